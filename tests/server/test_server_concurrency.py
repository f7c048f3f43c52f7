"""Where APIs run (sync on a bounded pool, async on the loop), deadlines (504) and traffic
limits (503 + Retry-After, first come first served)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import tiffin
from tiffin.io import JSON
from tiffin.server import ServeConfig
from tiffin.testing import TestClient


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event handlers wait on; set at teardown so no thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def background() -> Iterator[Callable[..., Future[httpx.Response]]]:
    """Sends requests from other threads, so a test can hold several in flight."""
    with ThreadPoolExecutor(8) as pool:

        def send(function: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> Any:
            return pool.submit(function, *args, **kwargs)

        yield send


def test_sync_apis_run_concurrently_on_the_thread_pool(
    background: Callable[..., Future[httpx.Response]],
) -> None:
    barrier = threading.Barrier(2, timeout=10)

    @tiffin.service
    class Meeting:
        @tiffin.api
        def meet(self) -> JSON:
            barrier.wait()  # both requests must be running at once to pass
            return threading.current_thread().name

    with TestClient(Meeting) as client:
        first, second = background(client.post, "/meet"), background(client.post, "/meet")
        responses = [first.result(), second.result()]
    assert [r.status_code for r in responses] == [200, 200]
    assert all(r.json().startswith("tiffin-api") for r in responses)


def test_async_apis_run_on_the_event_loop() -> None:
    @tiffin.service
    class OnLoop:
        @tiffin.api
        async def where(self) -> JSON:
            asyncio.get_running_loop()
            return threading.current_thread().name

    with TestClient(OnLoop) as client:
        name = client.post("/where").json()
    assert not name.startswith("tiffin-api")


def test_threads_option_sizes_the_pool() -> None:
    @tiffin.service(threads=1)
    class Single:
        @tiffin.api
        def name(self) -> JSON:
            return threading.current_thread().name

    with TestClient(Single) as client:
        names = {client.post("/name").json() for _ in range(5)}
    assert names == {"tiffin-api_0"}


def test_sync_api_past_its_timeout_is_504(release: threading.Event) -> None:
    @tiffin.service(timeout=0.2)
    class Stuck:
        @tiffin.api
        def wait(self) -> JSON:
            release.wait(30)
            return "late"

    with TestClient(Stuck) as client:
        response = client.post("/wait")
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["type"] == "Timeout"
    assert "raise the service's timeout" in error["message"]


def test_async_api_past_its_timeout_is_504_and_cancelled() -> None:
    cancelled = threading.Event()

    @tiffin.service(timeout=0.2)
    class Stuck:
        @tiffin.api
        async def wait(self) -> JSON:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return "never"

    with TestClient(Stuck) as client:
        response = client.post("/wait")
    assert response.status_code == 504
    assert cancelled.wait(10)


def test_api_timeout_overrides_the_service_timeout(release: threading.Event) -> None:
    @tiffin.service(timeout=60)
    class Mixed:
        @tiffin.api(timeout=0.2)
        def wait(self) -> JSON:
            release.wait(30)
            return "late"

    with TestClient(Mixed) as client:
        assert client.post("/wait").status_code == 504


def test_server_timeout_overrides_the_service_timeout(release: threading.Event) -> None:
    @tiffin.service(timeout=60)
    class Slow:
        @tiffin.api
        def wait(self) -> JSON:
            release.wait(30)
            return "late"

    with TestClient(Slow, config=ServeConfig(target="x:y", timeout=0.2)) as client:
        assert client.post("/wait").status_code == 504


def test_timed_out_sync_call_keeps_its_slot_until_the_thread_finishes(
    release: threading.Event, wait_until: Callable[..., None]
) -> None:
    finished = threading.Event()

    @tiffin.service(timeout=0.2, traffic={"max_concurrency": 1, "max_queue": 0})
    class Stuck:
        @tiffin.api
        def work(self, block: bool) -> JSON:
            if block:
                release.wait(30)
                finished.set()
            return "done"

    with TestClient(Stuck) as client:
        assert client.post("/work", json=True).status_code == 504
        refused = client.post("/work", json=False)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        release.set()
        assert finished.wait(10)
        gate = client.app.gate
        assert gate is not None
        # The slot is handed back on the loop just after the thread ends.
        wait_until(lambda: gate.active == 0, what="the slot to be released")
        assert client.post("/work", json=False).status_code == 200


def test_requests_beyond_concurrency_and_queue_get_503_with_retry_after(
    release: threading.Event,
    background: Callable[..., Future[httpx.Response]],
    wait_until: Callable[..., None],
) -> None:
    entered = threading.Event()

    @tiffin.service(traffic={"max_concurrency": 1, "max_queue": 1})
    class Busy:
        @tiffin.api
        def work(self) -> JSON:
            entered.set()
            release.wait(30)
            return "done"

    with TestClient(Busy) as client:
        gate = client.app.gate
        assert gate is not None
        running = background(client.post, "/work")
        assert entered.wait(10)
        queued = background(client.post, "/work")
        wait_until(lambda: gate.waiting == 1, what="the second request to queue")
        refused = client.post("/work")
        release.set()
        assert (running.result().status_code, queued.result().status_code) == (200, 200)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    error = refused.json()["error"]
    assert error["type"] == "ServiceUnavailable"
    assert error["details"] == {"reason": "queue_full"}


def test_queued_requests_run_in_arrival_order(
    release: threading.Event,
    background: Callable[..., Future[httpx.Response]],
    wait_until: Callable[..., None],
) -> None:
    order: list[int] = []
    entered = threading.Event()

    @tiffin.service(traffic={"max_concurrency": 1, "max_queue": 3})
    class Ordered:
        @tiffin.api
        def work(self, n: int) -> JSON:
            order.append(n)
            if n == 0:
                entered.set()
                release.wait(30)
            return n

    with TestClient(Ordered) as client:
        gate = client.app.gate
        assert gate is not None
        futures = [background(client.post, "/work", json=0)]
        assert entered.wait(10)
        for n in (1, 2, 3):
            futures.append(background(client.post, "/work", json=n))
            wait_until(lambda n=n: gate.waiting == n, what=f"request {n} to queue")
        release.set()
        assert [future.result().json() for future in futures] == [0, 1, 2, 3]
    assert order == [0, 1, 2, 3]


def test_async_api_releases_its_slot_after_a_timeout() -> None:
    @tiffin.service(timeout=0.2, traffic={"max_concurrency": 1, "max_queue": 0})
    class Stuck:
        @tiffin.api
        async def work(self, block: bool) -> JSON:
            if block:
                await asyncio.Event().wait()
            return "done"

    with TestClient(Stuck) as client:
        assert client.post("/work", json=True).status_code == 504
        assert client.post("/work", json=False).status_code == 200
