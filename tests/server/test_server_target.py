"""Finding the service to serve (``module:Service``, ``file.py:Service``) and ``ServeConfig``."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tiffin
from tiffin.exceptions import InvalidArgument, NotFound
from tiffin.server import ServeConfig, target_of
from tiffin.server._target import load_service
from tiffin.server._worker import config_from_environment, config_to_environment

SERVICES = """
import tiffin

@tiffin.service(name="first")
class First:
    @tiffin.api
    def ping(self) -> str:
        return "pong"

@tiffin.service
class Second:
    pass

class NotAService:
    pass
"""

ONE_SERVICE = """
import tiffin

@tiffin.service
class Only:
    pass
"""


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path with service modules whose names no other test uses."""
    (tmp_path / "target_services.py").write_text(textwrap.dedent(SERVICES))
    (tmp_path / "target_single.py").write_text(textwrap.dedent(ONE_SERVICE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in ("target_services", "target_single"):
        sys.modules.pop(name, None)


def test_module_and_class_name_the_service(modules: Path) -> None:
    assert load_service("target_services:First").name == "first"


def test_file_path_and_class_name_the_service(modules: Path) -> None:
    assert load_service(f"{modules}/target_services.py:Second").name == "Second"


def test_module_with_one_service_needs_no_class_name(modules: Path) -> None:
    assert load_service("target_single").name == "Only"


def test_module_with_several_services_needs_a_class_name(modules: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"2 services \(First, Second\).*target_services:"):
        load_service("target_services")


@pytest.mark.parametrize(
    ("target", "error", "fragment"),
    [
        pytest.param("nope_missing_module:Nope", NotFound, "to PYTHONPATH", id="module"),
        pytest.param("missing_file.py:Nope", NotFound, "does not exist", id="file"),
        pytest.param("target_services:Missing", NotFound, "there: First, Second", id="class"),
        pytest.param("target_services:NotAService", InvalidArgument, "@tiffin.service", id="plain"),
        pytest.param(":First", InvalidArgument, '"module:Service"', id="no-module"),
    ],
)  # fmt: skip
def test_bad_target_is_a_clear_error(
    modules: Path, target: str, error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as caught:
        load_service(target)
    assert fragment in str(caught.value)


@tiffin.service
class ModuleLevel:
    pass


def test_target_of_a_class_is_its_import_string() -> None:
    assert target_of(ModuleLevel) == f"{__name__}:ModuleLevel"


def test_target_of_a_string_is_itself() -> None:
    assert target_of("pkg.mod:Svc") == "pkg.mod:Svc"


def test_target_of_a_class_defined_in_a_function_says_to_move_it() -> None:
    @tiffin.service
    class Local:
        pass

    with pytest.raises(InvalidArgument, match="define it at module level"):
        target_of(Local)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        pytest.param({"port": 70000}, "0 to 65535", id="port"),
        pytest.param({"workers": 0}, ">= 1", id="workers"),
        pytest.param({"timeout": 0}, "> 0", id="timeout"),
        pytest.param({"log_format": "xml"}, '"text" or "json"', id="log-format"),
        pytest.param({"max_body_size": 0}, ">= 1", id="max-body-size"),
    ],
)
def test_invalid_serve_option_is_refused(options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidArgument, match=fragment):
        ServeConfig(target="m:S", **options)


def test_serve_config_travels_to_workers_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    config = ServeConfig(
        target="m:S", port=8080, workers=3, timeout=2.5, cors_origins=("https://a.example",)
    )
    monkeypatch.setenv("TIFFIN_SERVE_CONFIG", config_to_environment(config))
    assert config_from_environment() == config
