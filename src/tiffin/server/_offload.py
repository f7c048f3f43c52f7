"""``Offload``: run blocking calls on a few threads on behalf of one event loop.

``loop.run_in_executor`` pays for a ``concurrent.futures.Future``, its chaining to an asyncio
future and one loop wake-up per call. Here a call is a tuple on a queue, and a thread that
finishes calls appends to a list and wakes the loop once for every result that arrived
before the loop ran: under load, one wake-up delivers many results.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Offload"]

_Done = Callable[[], None]
_STOP = None


class Offload:
    """A fixed pool of threads running calls submitted from the loop that owns it."""

    def __init__(self, threads: int, name: str = "tiffin-api") -> None:
        self.threads = threads
        self._name = name
        self._calls: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._results: list[tuple[asyncio.Future[Any], bool, Any, _Done | None]] = []
        self._lock = threading.Lock()
        self._wake_pending = False
        self._workers: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def submit(
        self, function: Callable[[], Any], on_done: _Done | None = None
    ) -> asyncio.Future[Any]:
        """Run ``function`` on a pool thread; ``on_done`` runs on the loop when it has finished,
        even if the returned future was cancelled meanwhile (a timed-out call still holds
        its thread until then)."""
        loop = self._loop
        if loop is None:
            loop = self._start()
        future: asyncio.Future[Any] = loop.create_future()
        self._calls.put((function, future, on_done))
        return future

    def shutdown(self) -> None:
        """Let queued calls finish; the threads then exit (they are daemons)."""
        for _ in self._workers:
            self._calls.put(_STOP)

    def _start(self) -> asyncio.AbstractEventLoop:
        self._loop = asyncio.get_running_loop()
        for index in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"{self._name}_{index}", daemon=True)
            worker.start()
            self._workers.append(worker)
        return self._loop

    def _work(self) -> None:
        loop = self._loop
        assert loop is not None
        while True:
            item = self._calls.get()
            if item is _STOP:
                return
            function, future, on_done = item
            try:
                result, ok = function(), True
            except Exception as exc:  # delivered to the awaiting request
                result, ok = exc, False
            except BaseException as exc:  # SystemExit in user code must not kill the thread
                result, ok = RuntimeError(f"The call raised {exc!r}."), False
            with self._lock:
                self._results.append((future, ok, result, on_done))
                if self._wake_pending:
                    continue
                self._wake_pending = True
            try:
                loop.call_soon_threadsafe(self._deliver)
            except RuntimeError:  # the loop is closed: nobody awaits any more
                return

    def _deliver(self) -> None:
        with self._lock:
            results, self._results = self._results, []
            self._wake_pending = False
        for future, ok, result, on_done in results:
            if on_done is not None:
                on_done()
            if future.done():  # cancelled, or failed by its deadline
                continue
            if ok:
                future.set_result(result)
            else:
                future.set_exception(result)
