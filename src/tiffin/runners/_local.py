"""The local placement: the runnable lives in the calling process.

Synchronous callers call the method directly, in their own thread: no hop, no queue. Async
callers hand the call to the runner's own bounded thread pool with ``loop.run_in_executor``
(measured faster than ``anyio.to_thread``), so the event loop never blocks on the model.
``async def`` methods are awaited on the caller's loop by ``acall``; for synchronous callers
they run on a private event loop thread that the backend starts on first need.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tiffin.exceptions import ConfigurationError, ServiceUnavailable
from tiffin.runners._backend import Backend, RunnerSpec
from tiffin.runners._runnable import Runnable

__all__ = ["LocalBackend"]

_Bound = tuple[Callable[..., Any], bool]  # (bound method, is it ``async def``)


class LocalBackend(Backend):
    """Runs a runnable in this process, on the caller's thread or the runner's thread pool.

    The pool has ``spec.workers`` threads and serves :meth:`acall` only; synchronous
    :meth:`call` runs where it is called, so its concurrency is the caller's.
    """

    SUPPORTS_INSTANCES = True

    def __init__(self, spec: RunnerSpec) -> None:
        super().__init__(spec)
        self._methods: dict[str, _Bound] = {}
        self._instance: Runnable | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._loop_thread: _LoopThread | None = None
        self._loop_lock = threading.Lock()

    def start(self) -> None:
        """Build the runnable from its class (unless given an instance) and bind its methods."""
        spec = self.spec
        instance = spec.instance
        if instance is None:
            instance = spec.runnable_class(**spec.init_params)
        methods = {name: _bind(instance, name) for name in spec.methods}
        self._pool = ThreadPoolExecutor(
            max_workers=spec.workers, thread_name_prefix=f"tiffin-runner-{spec.name}"
        )
        self._instance, self._methods = instance, methods

    def stop(self) -> None:
        """Refuse new calls, let in-flight ones finish, and drop the runnable."""
        self._methods = {}
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        with self._loop_lock:
            loop_thread, self._loop_thread = self._loop_thread, None
        if loop_thread is not None:
            loop_thread.stop()
        self._instance = None

    def call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Call the method in this thread; an ``async def`` one runs on the private loop."""
        function, is_async = self._lookup(method)
        if is_async:
            return self._private_loop().run(function(*args, **kwargs))
        return function(*args, **kwargs)

    async def acall(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Await an ``async def`` method here; run any other on the runner's thread pool."""
        function, is_async = self._lookup(method)
        if is_async:
            return await function(*args, **kwargs)
        loop = asyncio.get_running_loop()
        if kwargs:
            function = functools.partial(function, **kwargs)
        return await loop.run_in_executor(self._pool, function, *args)

    def info(self) -> dict[str, Any]:
        """The size of the thread pool that serves async callers."""
        return {"threads": self.spec.workers}

    def _lookup(self, method: str) -> _Bound:
        try:
            return self._methods[method]
        except KeyError:
            raise ServiceUnavailable(
                f'Runner "{self.spec.name}" is shut down; call runner.init() to start it again.'
            ) from None

    def _private_loop(self) -> _LoopThread:
        with self._loop_lock:
            if self._loop_thread is None:
                self._loop_thread = _LoopThread(f"tiffin-runner-{self.spec.name}-loop")
            return self._loop_thread


def _bind(instance: Runnable, name: str) -> _Bound:
    function = getattr(instance, name, None)
    if not callable(function):
        owner = type(instance).__name__
        raise ConfigurationError(
            f"{owner}.method_configs() lists a method {name!r} that {owner} instances do not "
            f"have; define {owner}.{name} or leave it out of method_configs()."
        )
    return function, inspect.iscoroutinefunction(function)


class _LoopThread:
    """An event loop in a daemon thread, for running coroutines on behalf of sync callers."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()  # binds to the loop when first awaited there
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coroutine`` on the loop and block until it returns."""
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "A runner's async method called runner.run() on its own runner; await "
                "runner.async_run() there instead."
            )
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def stop(self) -> None:
        """Let running coroutines finish, then end the loop and its thread."""
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join()

    def _main(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    async def _serve(self) -> None:
        await self._stopping.wait()
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        await asyncio.gather(*pending, return_exceptions=True)
