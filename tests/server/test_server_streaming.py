"""Streaming: generators answer NDJSON by default, SSE on request, and end with an error
item when they fail midway."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest

import tiffin
from tiffin.exceptions import BadInput
from tiffin.testing import TestClient


@tiffin.service
class Streams:
    @tiffin.api
    def count(self, n: int) -> Iterator[dict[str, int]]:
        for i in range(n):
            yield {"i": i}

    @tiffin.api
    async def count_async(self, n: int) -> AsyncIterator[dict[str, int]]:
        for i in range(n):
            yield {"i": i}

    @tiffin.api
    def arrays(self, n: int) -> Iterator[Any]:
        for i in range(n):
            yield np.arange(i, dtype="int64")

    @tiffin.api
    def fails(self, n: int) -> Iterator[int]:
        yield from range(n)
        raise RuntimeError("stream broke at 10.0.0.7")

    @tiffin.api
    async def fails_async(self, n: int) -> AsyncIterator[int]:
        for i in range(n):
            yield i
        raise BadInput("item 2 is malformed")


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(Streams) as client:
        yield client


def _lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line]


def _events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


@pytest.mark.parametrize("route", ["/count", "/count_async"])
def test_generator_streams_ndjson_by_default(client: TestClient, route: str) -> None:
    response = client.post(route, json=3)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert _lines(response.text) == [{"i": 0}, {"i": 1}, {"i": 2}]


@pytest.mark.parametrize("route", ["/count", "/count_async"])
def test_generator_streams_server_sent_events_when_asked(client: TestClient, route: str) -> None:
    response = client.post(route, json=2, headers={"accept": "text/event-stream"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert _events(response.text) == [("message", {"i": 0}), ("message", {"i": 1})]


def test_stream_response_is_not_cached_and_has_a_request_id(client: TestClient) -> None:
    response = client.post("/count", json=1, headers={"x-request-id": "stream-1"})
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-request-id"] == "stream-1"


def test_numpy_items_stream_as_lists(client: TestClient) -> None:
    assert _lines(client.post("/arrays", json=3).text) == [[], [0], [0, 1]]


def test_empty_generator_streams_nothing(client: TestClient) -> None:
    response = client.post("/count", json=0)
    assert (response.status_code, response.text) == (200, "")


def test_exception_mid_stream_ends_with_a_generic_error_item(client: TestClient) -> None:
    response = client.post("/fails", json=2, headers={"x-request-id": "broken-1"})
    *items, last = _lines(response.text)
    assert items == [0, 1]
    assert last["error"]["type"] == "InternalServerError"
    assert last["error"]["request_id"] == "broken-1"
    assert "10.0.0.7" not in response.text


def test_tiffin_error_mid_stream_ends_with_its_message(client: TestClient) -> None:
    *items, last = _lines(client.post("/fails_async", json=1).text)
    assert items == [0]
    assert last["error"]["type"] == "BadInput"
    assert last["error"]["message"] == "item 2 is malformed"


def test_exception_mid_stream_ends_sse_with_an_error_event(client: TestClient) -> None:
    response = client.post("/fails", json=1, headers={"accept": "text/event-stream"})
    events = _events(response.text)
    assert events[0] == ("message", 0)
    kind, data = events[-1]
    assert kind == "error"
    assert data["error"]["type"] == "InternalServerError"


def test_bad_input_to_a_stream_is_a_plain_400(client: TestClient) -> None:
    response = client.post("/count", json="many")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "BadInput"


def test_secret_in_an_error_mid_stream_is_redacted() -> None:
    os.environ["API_KEY"] = "sk-live-123456"

    @tiffin.service(secrets=["api_key"])
    class Leaky:
        @tiffin.api
        def leak(self) -> Iterator[int]:
            yield 1
            raise BadInput(f"bad key {tiffin.secrets['api_key']}")

    with TestClient(Leaky) as client:
        response = client.post("/leak")
    assert "sk-live-123456" not in response.text
    assert "[redacted]" in response.text
