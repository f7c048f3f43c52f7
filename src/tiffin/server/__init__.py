"""The HTTP server: ``tiffin serve`` and ``tiffin.serve``."""

from __future__ import annotations

import os
import sys
from typing import Any

from tiffin.exceptions import InvalidArgument
from tiffin.server._settings import DEFAULT_MAX_BODY, ServeConfig

__all__ = ["ServeConfig", "serve", "target_of"]


def target_of(target: Any) -> str:
    """The import string of a service: a ``"module:Service"`` string, or a service class."""
    if isinstance(target, str):
        return target
    from tiffin.services import definition_of

    definition = definition_of(target)
    if "<locals>" in definition.cls.__qualname__:
        raise InvalidArgument(
            f"{definition.cls.__qualname__} is defined inside a function; worker processes "
            "import services by name, so define it at module level."
        )
    module = definition.cls.__module__
    if module == "__main__":
        main_file = getattr(sys.modules["__main__"], "__file__", None)
        if main_file is None:
            raise ValueError(
                f"{definition.cls.__qualname__} is defined in an interactive session; put it in "
                "a module so worker processes can import it."
            )
        return f"{os.path.abspath(main_file)}:{definition.cls.__qualname__}"
    return f"{module}:{definition.cls.__qualname__}"


def serve(
    target: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 3000,
    workers: int | None = None,
    reload: bool = False,
    strict: bool = False,
    timeout: float | None = None,
    log_format: str = "text",
    access_log: bool = True,
    max_body_size: int = DEFAULT_MAX_BODY,
    graceful_timeout: float = 30.0,
    cors_origins: tuple[str, ...] = (),
) -> int:
    """Serve a service until SIGTERM or Ctrl-C; return the exit status.

    ``target`` is a service class or ``"module:Service"``; the options are those of
    ``tiffin serve`` (see :class:`ServeConfig`).
    """
    from tiffin.server._run import run

    config = ServeConfig(
        target=target_of(target),
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        strict=strict,
        timeout=timeout,
        log_format=log_format,  # type: ignore[arg-type]
        access_log=access_log,
        max_body_size=max_body_size,
        graceful_timeout=graceful_timeout,
        cors_origins=tuple(cors_origins),
    )
    return run(config)
