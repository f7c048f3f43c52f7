"""``ServeConfig``: the server options shared by ``tiffin serve`` and ``tiffin.serve``."""

from __future__ import annotations

import dataclasses
from typing import Literal

from tiffin.exceptions import InvalidArgument

__all__ = ["DEFAULT_MAX_BODY", "ServeConfig"]

DEFAULT_MAX_BODY = 64 * 2**20


@dataclasses.dataclass(frozen=True)
class ServeConfig:
    """How to serve a service; each field is a ``tiffin serve`` option.

    Args:
        target: ``module:Service``, a folder with a ``tiffinfile.yaml``, or an artifact tag.
        host, port: where to listen.
        workers: API worker processes; the service's ``workers`` by default.
        reload: restart when source files change (development).
        strict: turn start-up warnings (GPUs requested but absent) into errors.
        timeout: seconds per request; overrides the service's ``timeout``.
        log_format: ``text`` or ``json`` (one object per line).
        access_log: log one line per request (never bodies or secrets).
        max_body_size: largest request body in bytes; larger ones get 413.
        graceful_timeout: seconds in-flight requests get to finish on SIGTERM.
        cors_origins: origins allowed to call the APIs from browsers.
    """

    target: str
    host: str = "127.0.0.1"
    port: int = 3000
    workers: int | None = None
    reload: bool = False
    strict: bool = False
    timeout: float | None = None
    log_format: Literal["text", "json"] = "text"
    access_log: bool = True
    max_body_size: int = DEFAULT_MAX_BODY
    graceful_timeout: float = 30.0
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise InvalidArgument(f"port is a number from 0 to 65535, not {self.port}.")
        if self.workers is not None and self.workers < 1:
            raise InvalidArgument(f"workers is a number >= 1, not {self.workers}.")
        if self.timeout is not None and self.timeout <= 0:
            raise InvalidArgument(f"timeout is a number of seconds > 0, not {self.timeout}.")
        if self.log_format not in ("text", "json"):
            raise InvalidArgument(f'log_format is "text" or "json", not {self.log_format!r}.')
        if self.max_body_size < 1:
            raise InvalidArgument(
                f"max_body_size is a number of bytes >= 1, not {self.max_body_size}."
            )
