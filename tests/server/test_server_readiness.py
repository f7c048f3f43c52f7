"""Readiness: ``/livez``, ``/readyz``, ``__is_ready__``, start-up failures and runners."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import tiffin
from tiffin.exceptions import ServiceUnavailable
from tiffin.server._app import ServiceApp
from tiffin.services import definition_of
from tiffin.testing import TestClient


def _serve_after_start(cls: type, *requests: tuple[str, str]) -> list[httpx.Response]:
    """Start ``cls`` in an app (whatever the outcome) and send ``requests`` to it."""

    async def scenario() -> list[httpx.Response]:
        app = ServiceApp(definition_of(cls))
        await app.initialise()
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                return [await http.request(method, path) for method, path in requests]
        finally:
            await app.shutdown()

    return asyncio.run(scenario())


class Echo(tiffin.Runnable):
    @tiffin.Runnable.method
    def predict(self, x: Any) -> Any:
        return x


class Unloadable(tiffin.Runnable):
    def __init__(self) -> None:
        raise OSError("weights.bin is missing")

    @tiffin.Runnable.method
    def predict(self, x: Any) -> Any:
        return x


def test_livez_answers_alive() -> None:
    @tiffin.service
    class Plain:
        pass

    with TestClient(Plain) as client:
        response = client.get("/livez")
        health = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "alive"})
    assert health.status_code == 200


def test_readyz_is_200_when_the_service_started() -> None:
    @tiffin.service
    class Plain:
        pass

    with TestClient(Plain) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "status": "ready", "checks": {"service": "ready"}}


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_is_ready_false_makes_readyz_503(is_async: bool) -> None:
    state = {"ready": False}

    @tiffin.service
    class Warming:
        if is_async:

            async def __is_ready__(self) -> bool:
                return state["ready"]
        else:

            def __is_ready__(self) -> bool:
                return state["ready"]

    with TestClient(Warming) as client:
        not_ready = client.get("/readyz")
        state["ready"] = True
        ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["__is_ready__"] is False
    assert ready.status_code == 200


def test_is_ready_raising_counts_as_not_ready() -> None:
    @tiffin.service
    class Broken:
        def __is_ready__(self) -> bool:
            raise RuntimeError("cannot tell")

    with TestClient(Broken) as client:
        assert client.get("/readyz").status_code == 503


def test_init_raising_makes_the_test_client_raise_with_the_cause() -> None:
    @tiffin.service
    class Failing:
        def __init__(self) -> None:
            raise RuntimeError("no GPU driver")

    with (
        pytest.raises(ServiceUnavailable, match="RuntimeError: no GPU driver"),
        TestClient(Failing),
    ):
        pass


def test_init_raising_makes_readyz_503_with_the_cause() -> None:
    @tiffin.service
    class Failing:
        def __init__(self) -> None:
            raise RuntimeError("no GPU driver")

    (ready,) = _serve_after_start(Failing, ("GET", "/readyz"))
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"service": "failed", "error": "RuntimeError: no GPU driver"}


def test_init_raising_makes_apis_503_with_the_cause_and_livez_200() -> None:
    @tiffin.service
    class Failing:
        def __init__(self) -> None:
            raise RuntimeError("no GPU driver")

        @tiffin.api
        def ping(self) -> str:
            return "pong"

    api, live = _serve_after_start(Failing, ("POST", "/ping"), ("GET", "/livez"))
    assert api.status_code == 503
    assert api.json()["error"]["message"] == (
        "The service failed to start: RuntimeError: no GPU driver"
    )
    assert live.status_code == 200


def test_startup_hook_raising_fails_readiness_with_the_cause() -> None:
    @tiffin.service
    class Failing:
        @tiffin.on_startup
        async def warm(self) -> None:
            raise ValueError("cache unreachable")

    (ready,) = _serve_after_start(Failing, ("GET", "/readyz"))
    assert ready.status_code == 503
    assert "ValueError: cache unreachable" in ready.json()["checks"]["error"]


def test_api_before_startup_finishes_is_503_with_retry_after() -> None:
    @tiffin.service
    class Plain:
        @tiffin.api
        def ping(self) -> str:
            return "pong"

    async def scenario() -> httpx.Response:
        app = ServiceApp(definition_of(Plain))  # never initialised
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.post("/ping")

    response = asyncio.run(scenario())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "starting" in response.json()["error"]["message"]


def test_runners_held_as_class_and_instance_attributes_are_started_before_ready() -> None:
    @tiffin.service
    class WithRunners:
        on_class = tiffin.Runner(Echo, name="on_class")

        def __init__(self) -> None:
            self.on_instance = tiffin.Runner(Echo, name="on_instance")

    with TestClient(WithRunners) as client:
        instance = client.app.instance
        assert WithRunners.on_class.ready
        assert instance.on_instance.ready
        assert client.get("/readyz").status_code == 200


def test_runner_failing_to_load_makes_readyz_503_naming_the_runner() -> None:
    @tiffin.service
    class WithBrokenRunner:
        model = tiffin.Runner(Unloadable, name="broken_model")

    (ready,) = _serve_after_start(WithBrokenRunner, ("GET", "/readyz"))
    assert ready.status_code == 503
    error = ready.json()["checks"]["error"]
    assert "broken_model" in error
    assert "weights.bin is missing" in error


def test_runner_failing_to_load_makes_the_test_client_raise_naming_it() -> None:
    @tiffin.service
    class WithBrokenRunner:
        model = tiffin.Runner(Unloadable, name="broken_model")

    with pytest.raises(ServiceUnavailable, match="broken_model"), TestClient(WithBrokenRunner):
        pass


def test_runners_are_shut_down_with_the_service() -> None:
    @tiffin.service
    class WithRunner:
        model = tiffin.Runner(Echo, name="echo_runner")

    with TestClient(WithRunner):
        assert WithRunner.model.ready
    assert not WithRunner.model.ready
