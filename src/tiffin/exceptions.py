"""The errors tiffin raises, and what each one becomes at the boundary.

Every class carries its outcome: ``status_code`` for HTTP responses and ``exit_code`` for
the command line. Errors turn into responses or exit codes only at the edges (the ASGI app
and the CLI), by walking the exception's MRO.

    TiffinError (500)
    ├── InvalidArgument (400, also ValueError)
    │   ├── BadInput (400)
    │   └── InvalidTag (400)
    ├── Unauthorized (401)
    ├── NotFound (404, also LookupError)
    ├── MethodNotAllowed (405)
    ├── Conflict (409)
    │   └── AlreadyExists (409, also FileExistsError)
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)
    ├── TooManyRequests (429)
    ├── ServiceUnavailable (503)
    ├── Timeout (504, also TimeoutError)
    ├── CorruptModel (500)
    ├── MissingDependency (500, also ImportError)
    └── ConfigurationError (500)

Any other exception that carries an integer ``status_code`` (or ``error_code``) between 400
and 599 is answered with that status and its message; see :func:`status_code_of`.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AlreadyExists",
    "BadInput",
    "ConfigurationError",
    "Conflict",
    "CorruptModel",
    "InvalidArgument",
    "InvalidTag",
    "MethodNotAllowed",
    "MissingDependency",
    "NotFound",
    "PayloadTooLarge",
    "ServiceUnavailable",
    "TiffinError",
    "Timeout",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "status_code_of",
]


class TiffinError(Exception):
    """Base class of every error tiffin raises on purpose.

    ``details`` is optional structured data sent to HTTP clients beside the message (the
    offending field, the expected shape); it must never hold secrets.
    """

    status_code: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str = "", *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class InvalidArgument(TiffinError, ValueError):
    """A value given by the caller is not acceptable; the message says which and why."""

    status_code = 400
    exit_code = 2


class BadInput(InvalidArgument):
    """A request body or parameter could not be decoded or does not match its declared type."""


class InvalidTag(InvalidArgument):
    """A model or artifact tag does not follow the ``name:version`` rules."""


class Unauthorized(TiffinError):
    """The request carries no valid API key."""

    status_code = 401


class NotFound(TiffinError, LookupError):
    """A model, artifact, route or version does not exist."""

    status_code = 404


class MethodNotAllowed(TiffinError):
    """The route exists but does not answer this HTTP method."""

    status_code = 405


class Conflict(TiffinError):
    """The request conflicts with the current state of the store."""

    status_code = 409


class AlreadyExists(Conflict, FileExistsError):
    """Saving or importing would overwrite something that exists."""


class PayloadTooLarge(TiffinError):
    """The request body is larger than the server accepts."""

    status_code = 413


class UnsupportedMediaType(TiffinError):
    """The request's Content-Type is not one this API decodes."""

    status_code = 415


class TooManyRequests(TiffinError):
    """The caller sends more than it may; ``retry_after`` says when to try again."""

    status_code = 429

    def __init__(
        self, message: str = "", *, retry_after: float | None = None, details: Any = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class ServiceUnavailable(TiffinError):
    """The service cannot take the request now (overload, not ready, shutting down)."""

    status_code = 503

    def __init__(
        self, message: str = "", *, retry_after: float | None = None, details: Any = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class Timeout(TiffinError, TimeoutError):
    """The work did not finish within its deadline."""

    status_code = 504


class CorruptModel(TiffinError):
    """A stored model's files do not match their recorded sizes or digests."""


class MissingDependency(TiffinError, ImportError):
    """An optional package is needed; the message gives the exact ``pip install`` to run."""


class ConfigurationError(TiffinError):
    """A service, runner or server is configured in a way that cannot work."""


def status_code_of(exc: BaseException) -> int:
    """The HTTP status an exception maps to.

    tiffin's own errors carry it as a class variable. Any other exception with an integer
    ``status_code`` or ``error_code`` attribute between 400 and 599 keeps that status (as
    user-defined ``MLServiceError`` classes do); everything else is a 500.
    """
    if isinstance(exc, TiffinError):
        return exc.status_code
    for attribute in ("status_code", "error_code"):
        value = getattr(exc, attribute, None)
        if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
            return value
    return 500
