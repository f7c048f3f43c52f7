"""Type checkers see the signatures of runnable methods (mypy on ``typing_runners.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

CHECKED = Path(__file__).with_name("typing_runners.py")


@pytest.fixture(scope="module")
def mypy_output() -> tuple[str, int]:
    stdout, stderr, status = mypy_api.run(
        ["--strict", "--warn-unused-ignores", "--no-error-summary", str(CHECKED)]
    )
    return stdout + stderr, status


def test_the_typing_file_type_checks(mypy_output: tuple[str, int]) -> None:
    output, status = mypy_output
    assert status == 0, output


def test_a_marked_method_keeps_its_signature(mypy_output: tuple[str, int]) -> None:
    expected = (
        'Revealed type is "def (self: typing_runners.Model, rows: list[float], *, '
        'clip: bool =) -> list[float]"'
    )
    assert expected in mypy_output[0]


def test_a_marked_async_method_keeps_its_signature(mypy_output: tuple[str, int]) -> None:
    expected = 'Revealed type is "def (text: str) -> typing.Coroutine[Any, Any, list[float]]"'
    assert expected in mypy_output[0]
