"""Exceptions -> HTTP error responses, the one body shape of every error."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from tiffin.exceptions import (
    PayloadTooLarge,
    ServiceUnavailable,
    TiffinError,
    TooManyRequests,
    Unauthorized,
    status_code_of,
)
from tiffin.io._json import dumps

__all__ = ["error_response"]

logger = logging.getLogger("tiffin.server")

Headers = list[tuple[bytes, bytes]]


def error_response(
    exc: BaseException, request_id: str, redact: Iterable[str] = ()
) -> tuple[int, bytes, Headers]:
    """The status, JSON body and extra headers that answer ``exc``.

    ``{"error": {"type", "message", "request_id", "details"}}``; 5xx from unexpected
    exceptions carry no message from the exception and never a stack trace (it is logged
    under the request id instead). ``redact`` are secret values scrubbed from messages.
    """
    status = status_code_of(exc)
    if status >= 500 and not isinstance(exc, TiffinError):
        logger.error("Unhandled error in request %s", request_id, exc_info=exc)
        error_type, message = (
            "InternalServerError",
            (
                f"The service failed to handle the request; the server log has the details "
                f"under request id {request_id}."
            ),
        )
    else:
        error_type, message = type(exc).__name__, _message(exc)
        if status >= 500 and not isinstance(exc, (ServiceUnavailable, PayloadTooLarge)):
            logger.error("%s in request %s: %s", error_type, request_id, message)
    for secret in redact:
        message = message.replace(secret, "[redacted]")
    details = getattr(exc, "details", None) if isinstance(exc, TiffinError) else None
    body: dict[str, Any] = {"type": error_type, "message": message, "request_id": request_id}
    if details is not None:
        body["details"] = details
    return status, dumps({"error": body}), _headers(exc)


def _message(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) else str(exc)


def _headers(exc: BaseException) -> Headers:
    if isinstance(exc, Unauthorized):
        return [(b"www-authenticate", b'Bearer realm="tiffin"')]
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(exc, (ServiceUnavailable, TooManyRequests)) and retry_after is not None:
        return [(b"retry-after", str(max(1, round(retry_after))).encode())]
    return []
