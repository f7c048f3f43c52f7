"""Lifecycle hooks: ``__init__``, ``@tiffin.on_startup`` and ``@tiffin.on_shutdown``."""

from __future__ import annotations

import asyncio

import tiffin
from tiffin.services import create_instance, definition_of
from tiffin.testing import TestClient


def _service(calls: list[str]) -> type:
    @tiffin.service
    class Hooked:
        def __init__(self) -> None:
            calls.append("init")

        @tiffin.on_startup
        def warm(self) -> None:
            calls.append("startup")

        @tiffin.on_startup
        async def warm_async(self) -> None:
            await asyncio.sleep(0)
            calls.append("startup-async")

        @tiffin.on_shutdown
        def cool(self) -> None:
            calls.append("shutdown")

        @tiffin.on_shutdown
        async def cool_async(self) -> None:
            await asyncio.sleep(0)
            calls.append("shutdown-async")

        @tiffin.api
        def ping(self) -> str:
            calls.append("ping")
            return "pong"

    return Hooked


def test_startup_hooks_run_once_after_init_and_before_requests() -> None:
    calls: list[str] = []
    with TestClient(_service(calls)) as client:
        client.post("/ping")
        client.post("/ping")
        assert calls == ["init", "startup", "startup-async", "ping", "ping"]


def test_shutdown_hooks_run_once_when_the_server_stops() -> None:
    calls: list[str] = []
    with TestClient(_service(calls)):
        pass
    assert calls[-2:] == ["shutdown", "shutdown-async"]
    assert calls.count("shutdown") == calls.count("shutdown-async") == 1


def test_create_instance_runs_sync_and_async_startup_hooks_in_process() -> None:
    calls: list[str] = []
    create_instance(definition_of(_service(calls)))
    assert calls == ["init", "startup", "startup-async"]


def test_create_instance_works_inside_a_running_event_loop() -> None:
    calls: list[str] = []

    async def build() -> None:
        create_instance(definition_of(_service(calls)))

    asyncio.run(build())
    assert calls == ["init", "startup", "startup-async"]


def test_plain_instantiation_runs_only_init() -> None:
    calls: list[str] = []
    _service(calls)().ping()
    assert calls == ["init", "ping"]
