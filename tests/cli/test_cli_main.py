from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import tiffin
import tiffin.models
from tiffin.cli._group import TiffinGroup
from tiffin.exceptions import (
    AlreadyExists,
    BadInput,
    CorruptModel,
    InvalidTag,
    NotFound,
    TiffinError,
)

Invoke = Callable[..., Result]


def failing_group(error: BaseException) -> click.Group:
    @click.command()
    def boom() -> None:
        raise error

    return TiffinGroup(name="tiffin", commands=[boom])


def test_version_prints_the_version(invoke: Invoke) -> None:
    result = invoke("--version")
    assert result.stdout == f"tiffin, version {tiffin.__version__}\n"


def test_help_lists_registered_groups(invoke: Invoke) -> None:
    assert re.search(r"\n  models +Manage the local model store", invoke("--help").stdout)


@pytest.mark.parametrize(
    "error",
    [
        TiffinError("generic"),
        BadInput("bad input"),
        InvalidTag("bad tag"),
        NotFound("missing"),
        AlreadyExists("exists"),
        CorruptModel("corrupt"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_tiffin_errors_exit_with_their_class_exit_code(error: TiffinError) -> None:
    result = CliRunner().invoke(failing_group(error), ["boom"])
    assert result.exit_code == type(error).exit_code
    assert result.stderr == f"Error: {error.message}\n"
    assert result.stdout == ""


def test_invalid_arguments_exit_with_two_like_usage_errors() -> None:
    assert BadInput.exit_code == 2
    result = CliRunner().invoke(failing_group(BadInput("x")), ["boom"])
    assert result.exit_code == 2


def test_error_messages_are_not_read_as_markup() -> None:
    error = BadInput("metadata['scores'][1] is a [bold]set[/bold]")
    result = CliRunner().invoke(failing_group(error), ["boom"])
    assert result.stderr == f"Error: {error.message}\n"


def test_unexpected_errors_are_short_without_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIFFIN_DEBUG", raising=False)
    result = CliRunner().invoke(failing_group(RuntimeError("kaput")), ["boom"])
    assert result.exit_code == 1
    assert "unexpected RuntimeError: kaput" in result.stderr
    assert "TIFFIN_DEBUG=1" in result.stderr
    assert "Traceback" not in result.stderr


def test_unexpected_errors_show_the_traceback_with_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIFFIN_DEBUG", "1")
    result = CliRunner().invoke(failing_group(RuntimeError("kaput")), ["boom"])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "raise error" in result.stderr


def test_usage_errors_keep_clicks_behaviour(invoke: Invoke) -> None:
    result = invoke("models", "nonsense")
    assert result.exit_code == 2
    assert "No such command 'nonsense'" in result.stderr


def test_a_lazy_command_must_be_a_click_command() -> None:
    group = TiffinGroup(name="tiffin", lazy_commands={"bad": "tiffin.models:get"})
    result = CliRunner().invoke(group, ["bad"])
    assert result.exit_code == 1
    assert "tiffin.models:get is not a click command" in result.stderr


# -- the real console script ---------------------------------------------------------------


def run(*command: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIFFIN_HOME": str(home)}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def test_the_console_script_runs(tiffin_home: Path) -> None:
    with tiffin.models.create("demo", version="1") as writer:
        (writer.path / "f").write_text("x")
    script = Path(sys.executable).with_name("tiffin")
    if not script.exists():
        pytest.skip("the tiffin console script is not installed next to this Python")
    result = run(str(script), "models", "list", "-o", "json", home=tiffin_home)
    assert result.returncode == 0, result.stderr
    assert [row["tag"] for row in json.loads(result.stdout)] == ["demo:1"]


def test_python_dash_m_reports_errors_with_exit_codes(tiffin_home: Path) -> None:
    result = run(sys.executable, "-m", "tiffin.cli", "models", "get", "ghost", home=tiffin_home)
    assert result.returncode == NotFound.exit_code
    assert result.stderr.startswith("Error: No model named")
    assert "Traceback" not in result.stderr


def test_version_does_not_load_command_groups(tiffin_home: Path) -> None:
    code = (
        "import sys\n"
        "from tiffin.cli import cli\n"
        "try:\n    cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('tiffin.cli.models', 'rich', 'fsspec') if m in sys.modules))"
    )
    result = run(sys.executable, "-c", code, home=tiffin_home)
    assert result.stdout.splitlines()[-1] == "[]"
