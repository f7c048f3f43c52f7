"""``x-request-id``: on every response, taken from the request when it is safe to echo."""

from __future__ import annotations

import re
from typing import Any

import pytest

import tiffin
from tiffin.testing import TestClient


@tiffin.service
class Echo:
    @tiffin.api
    def ping(self) -> str:
        return "pong"


@pytest.fixture
def client() -> Any:
    with TestClient(Echo) as client:
        yield client


def test_request_id_is_generated_when_absent(client: TestClient) -> None:
    first, second = client.post("/ping"), client.post("/ping")
    assert re.fullmatch(r"[0-9a-f]{16}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_request_id_given_by_the_client_is_echoed(client: TestClient) -> None:
    response = client.post("/ping", headers={"x-request-id": "trace-1234"})
    assert response.headers["x-request-id"] == "trace-1234"


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/metrics", "/schema.json", "/nope"])
def test_every_response_carries_a_request_id(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"x-request-id": "trace-5"})
    assert response.headers["x-request-id"] == "trace-5"


def test_error_body_carries_the_echoed_request_id(client: TestClient) -> None:
    response = client.get("/nope", headers={"x-request-id": "trace-404"})
    assert response.json()["error"]["request_id"] == "trace-404"


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(b"abc\x01def", id="control"),
        pytest.param(b"abc\ndef", id="newline"),
        pytest.param(b"   ", id="blank"),
    ],
)
def test_unprintable_request_id_is_replaced(client: TestClient, given: bytes) -> None:
    response = client.post("/ping", headers={"x-request-id": given})
    echoed = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", echoed)


def test_huge_request_id_is_not_echoed_whole(client: TestClient) -> None:
    response = client.post("/ping", headers={"x-request-id": "a" * 10_000})
    assert response.status_code == 200
    assert 0 < len(response.headers["x-request-id"]) <= 128
