"""One API worker process: import the service, build the app, serve it with uvicorn.

Started by the supervisor as ``python -m tiffin.server._worker`` with its configuration in
``TIFFIN_SERVE_CONFIG``; it never receives pickled objects.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import sys
from typing import Any

__all__ = ["STARTUP_FAILED", "config_from_environment", "create_app", "main", "make_socket"]

CONFIG_VARIABLE = "TIFFIN_SERVE_CONFIG"
#: Exit status of a worker whose service cannot start (configuration, missing secrets): the
#: supervisor does not restart it.
STARTUP_FAILED = 3


def config_to_environment(config: Any) -> str:
    return json.dumps(dataclasses.asdict(config))


def config_from_environment() -> Any:
    from tiffin.server._settings import ServeConfig

    fields = json.loads(os.environ[CONFIG_VARIABLE])
    fields["cors_origins"] = tuple(fields.get("cors_origins", ()))
    return ServeConfig(**fields)


def create_app() -> Any:
    """The ASGI app for the configuration in the environment (also uvicorn's reload factory)."""
    from tiffin.server._access import AccessLog
    from tiffin.server._app import ServiceApp
    from tiffin.server._cluster import Cluster
    from tiffin.server._target import load_service

    config = config_from_environment()
    access_log = AccessLog(config.log_format) if config.access_log else None
    app: Any = ServiceApp(
        load_service(config.target),
        config,
        cluster=Cluster.from_environment(),
        access_log=access_log,
    )
    if config.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app = CORSMiddleware(
            app, allow_origins=list(config.cors_origins), allow_methods=["*"], allow_headers=["*"]
        )
    return app


def uvicorn_options(config: Any) -> dict[str, Any]:
    from tiffin.server._logging import LOGGING_DISABLED_FOR_UVICORN

    return {
        "http": "httptools",
        "loop": "auto",
        "lifespan": "on",
        "access_log": False,  # tiffin writes its own, structured, without bodies
        "log_config": LOGGING_DISABLED_FOR_UVICORN,
        "timeout_graceful_shutdown": config.graceful_timeout,
        "timeout_keep_alive": 5,
        "server_header": False,
    }


def make_socket(host: str, port: int) -> socket.socket:
    """A listening socket; with ``SO_REUSEPORT`` each worker has its own and the kernel spreads
    connections over them (one shared accept queue leaves some workers idle under load)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _exit_with_supervisor() -> None:
    """Stop gracefully when the supervisor dies (kill -9), instead of serving as an orphan."""
    import signal
    import threading
    import time

    supervisor = os.getppid()

    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="tiffin-supervisor-watch", daemon=True).start()


def main() -> None:
    import uvicorn

    from tiffin.server._logging import configure_logging

    _exit_with_supervisor()
    config = config_from_environment()
    configure_logging(config.log_format)
    try:
        app = create_app()
    except Exception as exc:
        import logging

        logging.getLogger("tiffin.server").error("Cannot load %s: %s", config.target, exc)
        sys.exit(STARTUP_FAILED)
    uvicorn_config = uvicorn.Config(app, **uvicorn_options(config))
    # uvicorn's Config applies a logging dictConfig, which closes every existing handler.
    configure_logging(config.log_format)
    server = uvicorn.Server(uvicorn_config)
    server.run(sockets=[make_socket(config.host, config.port)])
    if not server.started:
        sys.exit(STARTUP_FAILED)


if __name__ == "__main__":
    main()
