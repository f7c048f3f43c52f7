"""The seams: dispatchers between handles and backends, and the placement registry."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from tiffin.exceptions import InvalidArgument
from tiffin.runners import MethodConfig, Runnable, Runner, _dispatch
from tiffin.runners._backend import PLACEMENTS, Backend
from tiffin.runners._dispatch import PassThroughDispatcher

MakeRunner = Callable[..., Runner]


class Model(Runnable):
    @Runnable.method(batchable=True)
    def predict(self, rows: list[int]) -> list[int]:
        return [row * 2 for row in rows]

    @Runnable.method
    def explain(self, row: int) -> str:
        return f"row {row}"


class Recording:
    """A batching dispatcher that records what passes through it."""

    seen: list[tuple[str, tuple[Any, ...]]] = []
    closed: list[str] = []

    def __init__(self, config: MethodConfig, backend: Backend, /) -> None:
        self.config, self.backend = config, backend

    def submit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self.seen.append((self.config.name, args))
        return self.backend.call(self.config.name, args, kwargs)

    async def asubmit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self.seen.append((self.config.name, args))
        return await self.backend.acall(self.config.name, args, kwargs)

    def close(self) -> None:
        self.closed.append(self.config.name)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> type[Recording]:
    class Fresh(Recording):
        seen = []
        closed = []

    module = types.ModuleType("recording_dispatch")
    module.Dispatcher = Fresh  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "recording_dispatch", module)
    monkeypatch.setattr(_dispatch, "BATCHING_DISPATCHER", "recording_dispatch:Dispatcher")
    return Fresh


def test_batchable_methods_go_through_the_batching_dispatcher(
    recording: type[Recording], make_runner: MakeRunner
) -> None:
    runner = make_runner(Model)
    assert runner.predict.run([1, 2]) == [2, 4]
    assert recording.seen == [("predict", ([1, 2],))]


def test_other_methods_bypass_the_batching_dispatcher(
    recording: type[Recording], make_runner: MakeRunner
) -> None:
    runner = make_runner(Model)
    assert runner.explain.run(3) == "row 3"
    assert recording.seen == []


def test_shutdown_closes_the_dispatchers(recording: type[Recording]) -> None:
    runner = Runner(Model)
    runner.init()
    runner.shutdown()
    assert recording.closed == ["predict"]


def test_the_pass_through_dispatcher_sends_each_request_to_the_backend() -> None:
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    class Backend_:
        def call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
            calls.append((method, args, kwargs))
            return "done"

    dispatcher = PassThroughDispatcher(MethodConfig("predict"), Backend_())  # type: ignore[arg-type]
    assert dispatcher.submit((1,), {"k": 2}) == "done"
    assert calls == [("predict", (1,), {"k": 2})]


class InstanceFreeBackend(Backend):
    """A placement that, like process placement, builds the runnable elsewhere."""

    started: list[str] = []

    def start(self) -> None:
        self.started.append(self.spec.name)

    def stop(self) -> None: ...

    def call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return ("elsewhere", method, args)

    async def acall(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return ("elsewhere", method, args)


@pytest.fixture
def elsewhere(monkeypatch: pytest.MonkeyPatch) -> type[InstanceFreeBackend]:
    class Fresh(InstanceFreeBackend):
        started = []

    module = types.ModuleType("elsewhere_placement")
    module.Backend = Fresh  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "elsewhere_placement", module)
    monkeypatch.setitem(PLACEMENTS, "elsewhere", "elsewhere_placement:Backend")
    return Fresh


def test_a_placement_selects_its_registered_backend(
    elsewhere: type[InstanceFreeBackend], make_runner: MakeRunner
) -> None:
    runner = make_runner(Model, name="far", placement="elsewhere")
    assert runner.explain.run(1) == ("elsewhere", "explain", (1,))
    assert elsewhere.started == ["far"]


def test_an_instance_with_a_placement_that_cannot_hold_it_raises_naming_why(
    elsewhere: type[InstanceFreeBackend],
) -> None:
    with pytest.raises(InvalidArgument, match="instance lives in this process"):
        Runner(Model(), placement="elsewhere")


def test_a_registry_entry_that_is_not_a_backend_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PLACEMENTS, "odd", "tiffin.runners:Runner")
    with pytest.raises(TypeError, match="not a Backend"):
        Runner(Model, placement="odd")
