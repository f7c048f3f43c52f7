from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tiffin.services._secrets import secrets


@pytest.fixture(autouse=True)
def tiffin_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty $TIFFIN_HOME."""
    home = tmp_path / "tiffin-home"
    monkeypatch.setenv("TIFFIN_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def _isolated_environment() -> Iterator[None]:
    """Services write ``os.environ`` (envs, secrets) and ``tiffin.secrets``; each test starts
    from the environment it was given and leaves nothing behind."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    secrets._values.clear()


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """Waits for a condition that has no event to wait on (state inside the server),
    failing the test after ``timeout`` seconds."""

    def wait(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "it") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"Waited {timeout:g} s for {what}.")
            time.sleep(0.005)

    return wait
