"""``Deadlines``: time out the sync calls of one API with one timer, not one per request.

All requests of an API share its timeout, so their deadlines come in the order they were
added: a FIFO queue and a single timer armed for its head replace ``asyncio.timeout`` per
request (~5 µs each on the request path).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any

__all__ = ["Deadlines"]


class Deadlines:
    """Fails each added future with ``expired()`` once ``seconds`` have passed, unless done."""

    def __init__(self, seconds: float, expired: Callable[[], BaseException]) -> None:
        self.seconds = seconds
        self._expired = expired
        self._queue: collections.deque[tuple[float, asyncio.Future[Any]]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, future: asyncio.Future[Any]) -> None:
        """Watch ``future`` (call from its loop)."""
        queue = self._queue
        while queue and queue[0][1].done():  # most calls finish in order: keep the queue short
            queue.popleft()
        loop = future.get_loop()
        queue.append((loop.time() + self.seconds, future))
        if self._timer is None:
            self._timer = loop.call_at(queue[0][0], self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        queue, now = self._queue, loop.time()
        while queue and (queue[0][0] <= now or queue[0][1].done()):
            _, future = queue.popleft()
            if not future.done():
                future.set_exception(self._expired())
        if queue:
            self._timer = loop.call_at(queue[0][0], self._expire, loop)

    def __len__(self) -> int:
        return len(self._queue)
