"""Fixtures for end-to-end tests: real servers in subprocesses, on real sockets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from e2e_helpers import ServeProcess, serve_environment


@pytest.fixture
def gate(tmp_path: Path) -> Path:
    """A folder the test and the service's workers use to signal each other."""
    folder = tmp_path / "gate"
    folder.mkdir()
    return folder


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Starts ``tiffin serve ARGS`` (on a free port unless ``--port`` is given); stops every
    server it started at teardown."""
    started: list[ServeProcess] = []

    def start(*args: str, **env: str) -> ServeProcess:
        log = tmp_path / f"serve-{len(started)}.log"
        server = ServeProcess(list(args), log, serve_environment(**env))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
