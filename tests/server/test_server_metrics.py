"""``/metrics``: Prometheus text with the ``tiffin_`` metrics of the APIs called."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest

import tiffin
from tiffin.exceptions import BadInput
from tiffin.io import JSON
from tiffin.testing import TestClient

# Metrics live in this process's registry for every in-process test, so tests compare counts
# before and after their requests.


def _sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    match = re.search(rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


@tiffin.service
class Metered:
    @tiffin.api
    def metered_ok(self) -> JSON:
        return "ok"

    @tiffin.api
    def metered_bad(self) -> JSON:
        raise BadInput("no")

    def __init__(self) -> None:
        self.release = threading.Event()

    @tiffin.api(timeout=0.2)
    def metered_slow(self) -> JSON:
        self.release.wait(30)
        return "late"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(Metered) as client:
        yield client
        client.app.instance.release.set()


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE tiffin_requests_total counter" in response.text


def test_requests_are_counted_by_api_and_status(client: TestClient) -> None:
    ok = {"api": "metered_ok", "status": "200"}
    bad = {"api": "metered_bad", "status": "400"}
    before = client.get("/metrics").text
    for _ in range(3):
        client.post("/metered_ok")
    client.post("/metered_bad")
    after = client.get("/metrics").text
    assert (
        _sample(after, "tiffin_requests_total", **ok)
        - _sample(before, "tiffin_requests_total", **ok)
        == 3.0
    )
    assert (
        _sample(after, "tiffin_requests_total", **bad)
        - _sample(before, "tiffin_requests_total", **bad)
        == 1.0
    )


def test_request_latency_is_observed_per_api(client: TestClient) -> None:
    name = "tiffin_request_duration_seconds_count"
    before = _sample(client.get("/metrics").text, name, api="metered_ok")
    client.post("/metered_ok")
    assert _sample(client.get("/metrics").text, name, api="metered_ok") == before + 1


def test_timeouts_are_counted_as_rejections(client: TestClient) -> None:
    name, labels = "tiffin_rejections_total", {"api": "metered_slow", "reason": "timeout"}
    before = _sample(client.get("/metrics").text, name, **labels)
    assert client.post("/metered_slow").status_code == 504
    assert _sample(client.get("/metrics").text, name, **labels) == before + 1


def test_no_requests_are_in_flight_after_they_finish(client: TestClient) -> None:
    client.post("/metered_ok")
    text = client.get("/metrics").text
    assert _sample(text, "tiffin_requests_in_flight", api="metered_ok") == 0.0
