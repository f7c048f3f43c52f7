"""Helpers for end-to-end tests: ``tiffin serve`` as a subprocess, and waiting on it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tiffin.testing import free_port

HERE = Path(__file__).parent
#: Generous: the machines that run these may have two busy cores.
READY_TIMEOUT = 120.0


def wait_until(
    predicate: Callable[[], bool], timeout: float = READY_TIMEOUT, what: str = ""
) -> None:
    """Wait for something another process does (no event crosses the process boundary)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout:g} s for {what or 'a condition'}.")
        time.sleep(0.02)


def get(url: str, **kwargs: Any) -> httpx.Response:
    """One request on a fresh connection (so the kernel may pick any worker)."""
    return httpx.get(url, timeout=30, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, timeout=60, **kwargs)


def serve_environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *sys.path])
    env.update(extra)
    return env


class ServeProcess:
    """``tiffin serve`` run as a user would, with its output in a file."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        command = [sys.executable, "-m", "tiffin.cli", "serve", *args]
        if "--port" not in args:
            command += ["--port", str(self.port)]
        else:
            self.port = int(args[args.index("--port") + 1])
            self.url = f"http://127.0.0.1:{self.port}"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=HERE
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def answers(self) -> bool:
        """Whether /readyz answers at all (any status)."""
        if self.process.poll() is not None:
            pytest.fail(f"tiffin serve exited with {self.process.returncode}:\n{self.log()}")
        try:
            get(f"{self.url}/readyz")
        except httpx.TransportError:
            return False
        return True

    def ready(self) -> bool:
        return self.answers() and get(f"{self.url}/readyz").status_code == 200

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def run_cli(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``tiffin ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "tiffin.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=serve_environment(**env),
        cwd=HERE,
        check=False,
    )
