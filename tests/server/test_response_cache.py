"""The response cache: hits skip the API, keys follow the canonical request."""

from __future__ import annotations

import pytest

import tiffin
from tiffin.exceptions import InvalidArgument
from tiffin.server._cache import ResponseCache, cache_key
from tiffin.testing import TestClient


def counting_service(**service_options: object) -> type:
    @tiffin.service(**service_options)  # type: ignore[call-overload]
    class Counting:
        def __init__(self) -> None:
            self.calls = 0

        @tiffin.api(cache=True)
        def square(self, x: int) -> dict[str, int]:
            self.calls += 1
            return {"square": x * x, "calls": self.calls}

        @tiffin.api
        def plain(self, x: int) -> int:
            self.calls += 1
            return self.calls

    return Counting


def test_a_repeated_request_is_answered_from_the_cache() -> None:
    with TestClient(counting_service()) as client:
        first = client.post("/square", json={"x": 3})
        second = client.post("/square", json={"x": 3})
    assert first.headers["x-tiffin-cache"] == "miss"
    assert second.headers["x-tiffin-cache"] == "hit"
    assert second.json() == first.json() == {"square": 9, "calls": 1}


def test_json_bodies_differing_only_in_spacing_and_key_order_share_an_entry() -> None:
    with TestClient(counting_service()) as client:
        client.post("/square", content=b'{"x": 3}', headers={"content-type": "application/json"})
        again = client.post(
            "/square", content=b'{ "x":3 }', headers={"content-type": "application/json"}
        )
    assert again.headers["x-tiffin-cache"] == "hit"


def test_different_requests_miss() -> None:
    with TestClient(counting_service()) as client:
        client.post("/square", json={"x": 3})
        other = client.post("/square", json={"x": 4})
    assert other.json() == {"square": 16, "calls": 2}


def test_apis_without_cache_are_not_cached() -> None:
    with TestClient(counting_service()) as client:
        client.post("/plain", json={"x": 1})
        second = client.post("/plain", json={"x": 1})
    assert "x-tiffin-cache" not in second.headers
    assert second.json() == 2


def test_a_service_level_cache_covers_every_api() -> None:
    with TestClient(counting_service(cache={"max_entries": 10, "ttl": 60})) as client:
        client.post("/plain", json={"x": 1})
        second = client.post("/plain", json={"x": 1})
    assert second.headers["x-tiffin-cache"] == "hit"


def test_errors_are_not_cached() -> None:
    with TestClient(counting_service()) as client:
        client.post("/square", json={"x": "nope"})
        again = client.post("/square", json={"x": "nope"})
    assert again.status_code == 400
    assert "x-tiffin-cache" not in again.headers


def test_entries_expire_after_their_ttl() -> None:
    now = [0.0]
    cache = ResponseCache(10, ttl=5, clock=lambda: now[0])
    cache.put(b"k", (b"v", "application/json"))
    now[0] = 4.9
    assert cache.get(b"k") == (b"v", "application/json")
    now[0] = 10.0
    assert cache.get(b"k") is None


def test_the_least_recently_used_entry_is_evicted_first() -> None:
    cache = ResponseCache(2, ttl=60)
    cache.put(b"a", (b"1", "t"))
    cache.put(b"b", (b"2", "t"))
    cache.get(b"a")
    cache.put(b"c", (b"3", "t"))
    assert cache.get(b"b") is None
    assert cache.get(b"a") is not None


def test_model_versions_are_part_of_the_key() -> None:
    body = b'{"x": 1}'
    assert cache_key("f", None, None, body, "iris:v1") != cache_key(
        "f", None, None, body, "iris:v2"
    )


def test_an_unavailable_cache_backend_is_refused_at_decoration() -> None:
    with pytest.raises(InvalidArgument, match="not available"):
        counting_service(cache={"backend": "redis://localhost"})
