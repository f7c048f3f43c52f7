"""Services the end-to-end tests serve in real worker processes.

Worker processes import this module by name, so it lives beside the tests (pytest puts this
folder on ``sys.path``, and ``tiffin.testing.Server`` passes ``sys.path`` on). Tests steer
the services through files in ``$E2E_GATE_DIR``, which every worker can see.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import tiffin
from tiffin.io import JSON, NumpyNdarray

GATE_VARIABLE = "E2E_GATE_DIR"


def gate_dir() -> Path:
    return Path(os.environ[GATE_VARIABLE])


def wait_for_file(path: Path, timeout: float = 60.0) -> bool:
    """Whether ``path`` appeared within ``timeout`` s; the test creates it (another process,
    so no event to share)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@tiffin.service(name="toolbox")
class Toolbox:
    """APIs that report which worker answered, block on a file, stream and echo arrays."""

    def __init__(self) -> None:
        held = gate_dir() / "hold-startup" if GATE_VARIABLE in os.environ else None
        if held is not None and held.exists():
            # A restarted worker stays not-ready until the test removes the file.
            (gate_dir() / f"waiting-{os.getpid()}").touch()
            deadline = time.monotonic() + 60
            while held.exists() and time.monotonic() < deadline:
                time.sleep(0.01)

    @tiffin.api
    def pid(self) -> int:
        return os.getpid()

    @tiffin.api
    def hold(self, tag: str) -> JSON:
        """Report entry with a file, then wait until the test writes ``release``."""
        (gate_dir() / f"entered-{tag}").touch()
        released = wait_for_file(gate_dir() / "release")
        return {"tag": tag, "released": released}

    @tiffin.api
    def double(self, x: NumpyNdarray) -> NumpyNdarray:
        return x * 2

    @tiffin.api
    def echo(self, text: str) -> int:
        return len(text)

    @tiffin.api
    def count(self, n: int) -> Iterator[int]:
        yield from range(n)

    @tiffin.on_shutdown
    def record_shutdown(self) -> None:
        if GATE_VARIABLE in os.environ:
            (gate_dir() / f"shutdown-{os.getpid()}").touch()


@tiffin.service(secrets=["api_key", "db-password"])
class NeedsSecrets:
    @tiffin.api
    def ping(self) -> str:
        return "pong"


@tiffin.service
class CrashesOnStart:
    def __init__(self) -> None:
        os._exit(1)


@tiffin.service
class FailsOnStart:
    def __init__(self) -> None:
        raise RuntimeError("model weights not found at /models/w.bin")

    @tiffin.api
    def ping(self) -> str:
        return "pong"


@tiffin.service(name="doubler")
class Doubler:
    @tiffin.api
    def double(self, x: int) -> int:
        return 2 * x

    @tiffin.api
    def pid(self) -> int:
        return os.getpid()


@tiffin.service
class Pipeline:
    doubler = tiffin.depends(Doubler)

    @tiffin.api
    def run(self, x: int) -> JSON:
        return {"result": self.doubler.double(x) + 1, "doubler_pid": self.doubler.pid()}
