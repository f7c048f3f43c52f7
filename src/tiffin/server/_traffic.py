"""``TrafficGate``: at most N requests in flight, M waiting, the rest refused at once."""

from __future__ import annotations

import asyncio
import collections

from tiffin.exceptions import ServiceUnavailable
from tiffin.server import _metrics

__all__ = ["TrafficGate"]


class TrafficGate:
    """Admission control for one worker's event loop (not thread-safe: use it from the loop).

    A released slot goes straight to the oldest waiter, so waiting is first come, first
    served and a request never waits once a slot is free.
    """

    def __init__(self, max_concurrency: int, max_queue: int) -> None:
        self.max_concurrency = max_concurrency
        self.max_queue = max_queue
        self.active = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, api: str) -> None:
        """Take a slot, wait in the queue for one, or raise 503 when the queue is full
        (counted as a rejection of ``api``)."""
        if self.active < self.max_concurrency and not self._waiters:
            self.active += 1
            return
        if len(self._waiters) >= self.max_queue:
            _metrics.REJECTIONS.labels(api, "queue_full").inc()
            raise ServiceUnavailable(
                f"The service is at capacity ({self.active} requests in flight, "
                f"{len(self._waiters)} waiting); retry later.",
                retry_after=1,
                details={"reason": "queue_full"},
            )
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot arrived as we were cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give the slot to the oldest waiter, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.active -= 1
