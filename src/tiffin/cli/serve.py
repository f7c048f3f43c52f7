"""``tiffin serve``: serve a service over HTTP."""

from __future__ import annotations

import sys

import click

from tiffin.server._settings import DEFAULT_MAX_BODY

__all__ = ["serve"]


@click.command()
@click.argument("target")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", type=click.IntRange(min=1), help="API worker processes [service's].")
@click.option("--reload", is_flag=True, help="Restart when source files change (development).")
@click.option("--strict", is_flag=True, help="Make start-up warnings errors (missing GPUs).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per request.")
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option(
    "--max-body-size",
    default=DEFAULT_MAX_BODY,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body in bytes (larger: 413).",
)
@click.option(
    "--graceful-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds in-flight requests get to finish on SIGTERM.",
)
@click.option("--cors-origin", "cors_origins", multiple=True, help="Origin allowed by CORS.")
def serve(target: str, **options: object) -> None:
    """Serve TARGET: "module:Service" or "path/to/file.py:Service".

    Runs until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    """
    from tiffin.server import serve as run_server

    sys.exit(run_server(target, **options))  # type: ignore[arg-type]
