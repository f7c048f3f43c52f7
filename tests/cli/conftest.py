from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

import tiffin.models
from tiffin.cli import cli
from tiffin.models import Model

Invoke = Callable[..., Result]


@pytest.fixture
def invoke() -> Invoke:
    """Run ``tiffin ARGS...`` in-process; keyword ``input`` feeds stdin."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input)

    return run


@pytest.fixture
def save() -> Callable[..., Model]:
    """Save a small model and return it."""

    def save_model(name: str = "demo", version: str | None = None, **kwargs: object) -> Model:
        with tiffin.models.create(name, version=version, **kwargs) as writer:  # type: ignore[arg-type]
            (writer.path / "weights.bin").write_bytes(os.urandom(2048))
        return tiffin.models.get(writer.tag)

    return save_model
