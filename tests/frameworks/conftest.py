from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

import tiffin.models
from tiffin.models import Model, UnsafeModelWarning


@pytest.fixture
def reimport(tmp_path: Path) -> Callable[[Model], Model]:
    """Export a stored model, delete it, and import it back: it is then an imported model."""

    def reimport(model: Model) -> Model:
        archive = tiffin.models.export_model(model.tag, tmp_path / "archives/")
        tiffin.models.delete(model.tag)
        return tiffin.models.import_model(archive)

    return reimport


@pytest.fixture
def unsafe_warnings() -> Callable[[Callable[[], object]], int]:
    """Counts the ``UnsafeModelWarning``s that two calls of a loading function emit."""

    def count(load: Callable[[], object]) -> int:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            load()
            load()
        return sum(issubclass(warning.category, UnsafeModelWarning) for warning in caught)

    return count
