"""Routing: API routes, HTTP methods, unknown paths, and the in-process path."""

from __future__ import annotations

import pytest

import tiffin
from tiffin.io import JSON
from tiffin.testing import TestClient


def _calc() -> type:
    @tiffin.service
    class Calc:
        @tiffin.api
        def add(self, a: int, b: int = 1) -> int:
            return a + b

        @tiffin.api(route="/v1/sub", name="minus")
        def subtract(self, a: int, b: int) -> int:
            return a - b

        @tiffin.api
        def version(self) -> JSON:
            return {"version": "1"}

        @tiffin.api(method="PUT")
        def store(self, value: int) -> int:
            return value

    return Calc


def test_api_answers_at_its_method_name() -> None:
    with TestClient(_calc()) as client:
        response = client.post("/add", json={"a": 2})
    assert (response.status_code, response.json()) == (200, 3)


def test_api_answers_at_its_custom_route() -> None:
    with TestClient(_calc()) as client:
        response = client.post("/v1/sub", json={"a": 5, "b": 3})
        missing = client.post("/minus", json={"a": 5, "b": 3})
    assert (response.status_code, response.json()) == (200, 2)
    assert missing.status_code == 404


def test_api_without_required_parameters_answers_get() -> None:
    with TestClient(_calc()) as client:
        response = client.get("/version")
    assert (response.status_code, response.json()) == (200, {"version": "1"})


def test_get_on_an_api_with_required_parameters_is_405_naming_the_allowed_methods() -> None:
    with TestClient(_calc()) as client:
        response = client.get("/add")
    assert response.status_code == 405
    error = response.json()["error"]
    assert error["type"] == "MethodNotAllowed"
    assert "answers POST, not GET" in error["message"]
    assert error["details"] == {"allowed": ["POST"]}


def test_api_with_an_explicit_method_answers_only_that_method() -> None:
    with TestClient(_calc()) as client:
        put = client.put("/store", json=7)
        post = client.post("/store", json=7)
    assert (put.status_code, put.json()) == (200, 7)
    assert post.status_code == 405


def test_unknown_route_is_404_listing_the_apis() -> None:
    with TestClient(_calc()) as client:
        response = client.post("/predict", json={})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "NotFound"
    assert "No API at /predict" in error["message"]
    assert "/add, /store, /v1/sub, /version" in error["message"]


def test_system_endpoint_refuses_post() -> None:
    with TestClient(_calc()) as client:
        response = client.post("/livez")
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "MethodNotAllowed"


def test_in_process_call_and_http_call_give_the_same_result() -> None:
    calc = _calc()
    with TestClient(calc) as client:
        over_http = client.post("/v1/sub", json={"a": 10, "b": 4}).json()
        through_client = client.api.minus(10, 4)
    assert over_http == through_client == calc().subtract(10, 4) == 6


def test_query_parameters_fill_a_get_api() -> None:
    @tiffin.service
    class Scaled:
        @tiffin.api
        def scale(self, factor: int = 1) -> int:
            return 10 * factor

    with TestClient(Scaled) as client:
        response = client.get("/scale", params={"factor": "3"})
    assert (response.status_code, response.json()) == (200, 30)


def test_a_batchable_api_warns_at_start_that_requests_are_not_batched_yet(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @tiffin.service
    class Batched:
        @tiffin.api(batchable=True)
        def double(self, x: list[int]) -> list[int]:
            return [2 * item for item in x]

    with TestClient(Batched) as client:
        assert client.post("/double", json=[1, 2]).json() == [2, 4]
    assert "does not batch requests yet" in caplog.text
