"""``Server``: a real tiffin server in a subprocess, for tests."""

from __future__ import annotations

import inspect
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from typing import IO, Any

import httpx

from tiffin.client import SyncHTTPClient
from tiffin.exceptions import InvalidArgument, ServiceUnavailable
from tiffin.services import is_service

__all__ = ["Server", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class Server:
    """Start ``tiffin serve`` for ``target`` in a subprocess, on a free port, and wait until
    ``/readyz`` says ready.

        with Server(MyService, workers=2) as server:
            assert server.post("/classify", json={"input_data": [[1, 2]]}).status_code == 200
            server.client.classify(input_data=[[1, 2]])

    ``target`` is a service class, a ``"module:Service"`` string, or the name of a service
    class defined in the calling test's module (``Server("AdvancedMLService")``). If the
    server does not become ready within ``timeout`` seconds, or exits, the error shows its
    log. Leaving the block stops it gracefully (SIGTERM), as Kubernetes would.
    """

    def __init__(
        self,
        target: Any,
        *,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        timeout: float = 60.0,
        host: str = "127.0.0.1",
        args: tuple[str, ...] = (),
    ) -> None:
        self.target = _resolve(target, inspect.stack()[1].frame)
        self.workers = workers
        self.env = dict(env or {})
        self.host = host
        self.port = port or free_port(host)
        self.timeout = timeout
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._http: httpx.Client | None = None
        self._client: SyncHTTPClient | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def client(self) -> SyncHTTPClient:
        """A :class:`~tiffin.SyncHTTPClient` for the server's APIs."""
        if self._client is None:
            self._client = SyncHTTPClient(self.url)
        return self._client

    def start(self) -> Server:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        command = [
            sys.executable,
            "-m",
            "tiffin.cli",
            "serve",
            self.target,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            *self.args,
        ]
        self.process = subprocess.Popen(
            command, env=self._environment(), stdout=self._log, stderr=subprocess.STDOUT
        )
        self._http = httpx.Client(base_url=self.url, timeout=self.timeout)
        self._wait_ready()
        return self

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # The test's import path, so that the target module imports the same way there.
        paths = [path or os.getcwd() for path in sys.path if path == "" or os.path.isdir(path)]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        env.update(self.env)
        return env

    def _wait_ready(self) -> None:
        assert self.process is not None
        assert self._http is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._fail(f"exited with status {self.process.returncode} before it was ready")
            try:
                response = self._http.get("/readyz")
                if response.status_code == 200:
                    return
                if response.json().get("checks", {}).get("service") == "failed":
                    self._fail("failed to start its service")
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self._fail(f"was not ready within {self.timeout:g} s")

    def _fail(self, what: str) -> None:
        log = self.log()
        self.stop()
        self._close_log()  # __exit__ does not run when __enter__ raises
        raise ServiceUnavailable(f"The server for {self.target} {what}. Its log:\n{log}")

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        """Everything the server printed so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self, grace: float = 30.0) -> int | None:
        """Stop the server with SIGTERM (SIGKILL after ``grace`` seconds); return its status."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._http is not None:
            self._http.close()
            self._http = None
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._http is None:
            raise ServiceUnavailable("The server is not running; use it in a `with` block.")
        return self._http.request(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self._close_log()

    def __repr__(self) -> str:
        return f"Server({self.target!r}, url={self.url!r})"


def _resolve(target: Any, frame: Any) -> str:
    from tiffin.server import target_of

    if not isinstance(target, str):
        return target_of(target)
    if ":" in target:
        return target
    for scope in _scopes(frame):
        for value in scope.values():
            if _named(value, target):
                return target_of(value)
    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            if _named(value, target):
                return target_of(value)
    raise InvalidArgument(
        f'No service named "{target}" is defined in this process; pass the class itself or '
        f'"module:{target}".'
    )


def _scopes(frame: Any) -> list[dict[str, Any]]:
    scopes = []
    while frame is not None:
        scopes += [frame.f_locals, frame.f_globals]
        frame = frame.f_back
    return scopes


def _named(value: Any, name: str) -> bool:
    # type(value), not isinstance(): the scan meets every object of every loaded module, and
    # isinstance() falls back to a __class__ that some of them compute (and warn in).
    if not (issubclass(type(value), type) and is_service(value)):
        return False
    from tiffin.services import definition_of

    return value.__name__ == name or definition_of(value).name == name
