"""``tiffin.testing.TestClient``: the service in this process, started, served and stopped."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

import tiffin
from tiffin.exceptions import ServiceUnavailable
from tiffin.server import ServeConfig
from tiffin.server._app import State
from tiffin.testing import TestClient


def _loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tiffin-testclient"]


@pytest.fixture
def no_leaked_loops() -> Iterator[None]:
    before = set(_loop_threads())
    yield
    assert set(_loop_threads()) <= before, "a TestClient left its event loop thread running"


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@tiffin.service
class Counter:
    def __init__(self) -> None:
        self.count = 0

    @tiffin.api
    def increment(self) -> int:
        self.count += 1
        return self.count


def test_entering_builds_the_service_and_waits_until_ready() -> None:
    with TestClient(Counter) as client:
        assert client.app.state is State.READY
        assert client.post("/increment").json() == 1


def test_leaving_stops_the_event_loop_thread(no_leaked_loops: None) -> None:
    with TestClient(Counter) as client:
        client.post("/increment")


def test_instance_serves_an_object_you_built() -> None:
    counter = Counter()
    counter.count = 41
    with TestClient(Counter, instance=counter) as client:
        assert client.post("/increment").json() == 42
    assert counter.count == 42


def test_config_sets_server_options() -> None:
    config = ServeConfig(target="x:y", max_body_size=8)
    with TestClient(Counter, config=config) as client:
        assert client.post("/increment", content=b"0123456789").status_code == 413


def test_api_offers_the_service_apis_as_methods() -> None:
    with TestClient(Counter) as client:
        assert client.api.increment() == 1
        assert client.api is client.api


def test_failed_init_raises_with_the_cause(no_leaked_loops: None) -> None:
    @tiffin.service
    class Failing:
        def __init__(self) -> None:
            raise LookupError("model file missing")

    with pytest.raises(ServiceUnavailable, match="LookupError: model file missing"):
        TestClient(Failing).__enter__()


def test_failed_start_up_check_raises_naming_the_missing_secret(no_leaked_loops: None) -> None:
    os.environ.pop("TESTING_TOKEN", None)

    @tiffin.service(secrets=["testing_token"])
    class NeedsSecret:
        pass

    with pytest.raises(ServiceUnavailable, match=r"\$TESTING_TOKEN"):
        TestClient(NeedsSecret).__enter__()


def test_service_slower_than_ready_timeout_raises(
    release: threading.Event, no_leaked_loops: None
) -> None:
    @tiffin.service
    class Slow:
        def __init__(self) -> None:
            release.wait(30)

    with pytest.raises(ServiceUnavailable, match="did not start within 0.05 s"):
        TestClient(Slow, ready_timeout=0.05).__enter__()
    release.set()


def test_closing_twice_is_harmless() -> None:
    client = TestClient(Counter)
    with client:
        pass
    client.close()


def test_two_clients_serve_the_same_service_one_after_the_other() -> None:
    for _ in range(2):
        with TestClient(Counter) as client:
            assert client.post("/increment").json() == 1
