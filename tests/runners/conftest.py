"""Fixtures for the runner tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tiffin.runners import Runner


@pytest.fixture
def make_runner() -> Iterator[Callable[..., Runner]]:
    """Builds runners like ``Runner(...)`` and shuts each down when the test ends."""
    made: list[Runner] = []

    def make(*args: Any, **kwargs: Any) -> Runner:
        runner = Runner(*args, **kwargs)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()
