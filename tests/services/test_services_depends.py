"""``tiffin.depends``: another service, in-process or over HTTP."""

from __future__ import annotations

import os

import pytest

import tiffin
from tiffin.client import SyncHTTPClient
from tiffin.exceptions import InvalidArgument
from tiffin.services import Dependency
from tiffin.services._depends import dependency_url_variable


def _pair() -> tuple[type, type, list[str]]:
    built: list[str] = []

    @tiffin.service(name="doubler")
    class Doubler:
        def __init__(self) -> None:
            built.append("doubler")

        @tiffin.api
        def double(self, x: int) -> int:
            return 2 * x

    @tiffin.service
    class Pipeline:
        doubler = tiffin.depends(Doubler)

        @tiffin.api
        def run(self, x: int) -> int:
            return self.doubler.double(x) + 1

    return Doubler, Pipeline, built


def test_in_process_dependency_apis_are_plain_calls() -> None:
    _, pipeline, _ = _pair()
    assert pipeline().run(4) == 9


def test_in_process_dependency_is_built_once() -> None:
    doubler, pipeline, built = _pair()
    first, second = pipeline(), pipeline()
    first.run(1)
    second.run(2)
    assert built == ["doubler"]
    assert first.doubler is second.doubler
    assert isinstance(first.doubler, doubler)


def test_dependency_is_built_only_when_first_used() -> None:
    _, pipeline, built = _pair()
    pipeline()
    assert built == []


def test_dependency_url_variable_makes_it_an_http_client() -> None:
    _, pipeline, built = _pair()
    os.environ["TIFFIN_DEPENDENCY_URL_DOUBLER"] = "http://127.0.0.1:9/"
    client = pipeline().doubler
    assert isinstance(client, SyncHTTPClient)
    assert client.url == "http://127.0.0.1:9"
    assert built == []


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        pytest.param("doubler", "TIFFIN_DEPENDENCY_URL_DOUBLER", id="plain"),
        pytest.param("my-svc.v2", "TIFFIN_DEPENDENCY_URL_MY_SVC_V2", id="punctuation"),
    ],
)
def test_dependency_url_variable_is_named_after_the_service(name: str, variable: str) -> None:
    assert dependency_url_variable(name) == variable


def test_dependency_on_the_class_is_the_declaration() -> None:
    doubler, pipeline, _ = _pair()
    declared = pipeline.__dict__["doubler"]
    assert isinstance(declared, Dependency)
    assert pipeline.doubler is declared
    assert declared.target is doubler
    assert repr(declared) == f"tiffin.depends({doubler.__qualname__})"


def test_depending_on_a_non_service_names_the_fix() -> None:
    class NotAService:
        pass

    with pytest.raises(InvalidArgument, match="@tiffin.service"):
        tiffin.depends(NotAService)
