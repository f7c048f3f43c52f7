"""The local placement: calls in the caller's thread, on the runner's pool, and async methods."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tiffin.exceptions import ConfigurationError, ServiceUnavailable
from tiffin.runners import MethodConfig, Runnable, Runner

MakeRunner = Callable[..., Runner]

# Bounds a wait that only ends early when the code under test is wrong, so that a broken
# runner fails the test instead of hanging it. It never decides a passing test.
SAFETY = 30.0


class Threads(Runnable):
    """Reports which thread (and event loop) its methods run on."""

    @Runnable.method
    def where(self) -> str:
        return threading.current_thread().name

    @Runnable.method
    async def loop(self) -> asyncio.AbstractEventLoop:
        await asyncio.sleep(0)
        return asyncio.get_running_loop()

    @Runnable.method
    def add(self, a: int, b: int = 0) -> int:
        return a + b

    @Runnable.method
    async def async_add(self, a: int, b: int = 0) -> int:
        await asyncio.sleep(0)
        return a + b

    @Runnable.method
    def fail(self) -> None:
        raise KeyError("missing feature 'age'")

    @Runnable.method
    async def async_fail(self) -> None:
        raise KeyError("missing feature 'age'")


def test_run_calls_a_sync_method_in_the_calling_thread(make_runner: MakeRunner) -> None:
    runner = make_runner(Threads, default_method="where")
    assert runner.run() == threading.current_thread().name


def test_async_run_returns_the_result(make_runner: MakeRunner) -> None:
    runner = make_runner(Threads)
    assert asyncio.run(runner.add.async_run(2, b=3)) == 5


def test_async_run_calls_a_sync_method_on_the_runners_threads(make_runner: MakeRunner) -> None:
    runner = make_runner(Threads, name="threads")
    assert asyncio.run(runner.where.async_run()).startswith("tiffin-runner-threads")


def test_async_run_does_not_block_the_event_loop(make_runner: MakeRunner) -> None:
    started, released = threading.Event(), threading.Event()

    class Slow(Runnable):
        @Runnable.method
        def work(self) -> bool:
            started.set()
            # Set by a coroutine on the caller's loop: only reachable if the loop runs on.
            return released.wait(SAFETY)

    runner = make_runner(Slow)
    runner.init()

    async def main() -> bool:
        call = asyncio.ensure_future(runner.async_run())
        await asyncio.to_thread(started.wait, SAFETY)
        released.set()
        result: bool = await call
        return result

    assert asyncio.run(main()) is True


def test_a_first_async_run_loads_the_model_off_the_event_loop(make_runner: MakeRunner) -> None:
    built_on: list[str] = []

    class Recorder(Runnable):
        def __init__(self) -> None:
            built_on.append(threading.current_thread().name)

        @Runnable.method
        def noop(self) -> None: ...

    runner = make_runner(Recorder)

    async def main() -> str:
        await runner.async_run()
        return threading.current_thread().name

    loop_thread = asyncio.run(main())
    assert len(built_on) == 1
    assert built_on[0] != loop_thread


def test_workers_lets_that_many_async_calls_run_together(make_runner: MakeRunner) -> None:
    both_running = threading.Barrier(2, timeout=SAFETY)

    class Pair(Runnable):
        @Runnable.method
        def meet(self) -> bool:
            both_running.wait()
            return True

    runner = make_runner(Pair, workers=2)

    async def main() -> list[Any]:
        return list(await asyncio.gather(runner.async_run(), runner.async_run()))

    assert asyncio.run(main()) == [True, True]


def test_run_of_an_async_method_outside_a_loop_returns_its_result(
    make_runner: MakeRunner,
) -> None:
    runner = make_runner(Threads)
    assert runner.async_add.run(2, b=3) == 5


def test_run_of_an_async_method_works_inside_a_running_loop(make_runner: MakeRunner) -> None:
    runner = make_runner(Threads)

    async def main() -> int:
        result: int = runner.async_add.run(4)
        return result

    assert asyncio.run(main()) == 4


def test_async_run_awaits_an_async_method_on_the_callers_loop(make_runner: MakeRunner) -> None:
    runner = make_runner(Threads)

    async def main() -> bool:
        return await runner.loop.async_run() is asyncio.get_running_loop()

    assert asyncio.run(main())


def test_a_sync_methods_error_reaches_the_caller_unchanged(make_runner: MakeRunner) -> None:
    runner = make_runner(Threads)
    with pytest.raises(KeyError, match="age"):
        runner.fail.run()
    with pytest.raises(KeyError, match="age"):
        asyncio.run(runner.fail.async_run())


def test_an_async_methods_error_reaches_the_caller_unchanged(make_runner: MakeRunner) -> None:
    runner = make_runner(Threads)
    with pytest.raises(KeyError, match="age"):
        runner.async_fail.run()
    with pytest.raises(KeyError, match="age"):
        asyncio.run(runner.async_fail.async_run())


def test_shutdown_stops_the_runners_threads() -> None:
    runner = Runner(Threads, name="stopping")
    runner.async_add.run(1)
    asyncio.run(runner.where.async_run())
    runner.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith("tiffin-runner-stopping")]


def test_shutdown_lets_an_in_flight_call_finish() -> None:
    started, released = threading.Event(), threading.Event()

    class Slow(Runnable):
        @Runnable.method
        def work(self) -> str:
            started.set()
            released.wait(SAFETY)
            return "finished"

    runner = Runner(Slow)
    results: list[str] = []
    caller = threading.Thread(target=lambda: results.append(asyncio.run(runner.async_run())))
    caller.start()
    started.wait(SAFETY)
    stopper = threading.Thread(target=runner.shutdown)
    stopper.start()
    released.set()
    stopper.join()
    caller.join()
    assert results == ["finished"]


def test_an_async_method_calling_run_on_its_own_runner_raises_instead_of_hanging(
    make_runner: MakeRunner,
) -> None:
    runners: list[Runner] = []

    class Reentrant(Runnable):
        @Runnable.method
        async def outer(self) -> Any:
            return runners[0].inner.run()

        @Runnable.method
        async def inner(self) -> int:
            return 1

    runners.append(make_runner(Reentrant))
    with pytest.raises(RuntimeError, match=r"await runner.async_run\(\)"):
        runners[0].outer.run()


def test_a_method_listed_but_missing_on_the_instance_fails_the_start(
    make_runner: MakeRunner,
) -> None:
    class Listed(Runnable):
        @classmethod
        def method_configs(cls, init_params: Mapping[str, Any]) -> dict[str, MethodConfig]:
            return {"predict": MethodConfig("predict")}

    runner = make_runner(Listed)
    with pytest.raises(ServiceUnavailable, match=r"define Listed.predict") as raised:
        runner.init()
    assert isinstance(raised.value.__cause__, ConfigurationError)
