"""Deadlines: one timer per API fails the calls that outlive the API's timeout."""

from __future__ import annotations

import asyncio

import pytest

from tiffin.exceptions import Timeout
from tiffin.server._deadlines import Deadlines


def test_a_call_past_its_deadline_fails_with_the_timeout() -> None:
    async def main() -> None:
        deadlines = Deadlines(0.01, lambda: Timeout("too slow"))
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        deadlines.add(future)
        with pytest.raises(Timeout, match="too slow"):
            await future

    asyncio.run(main())


def test_calls_that_finished_are_left_alone_and_forgotten() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines(0.01, lambda: Timeout("too slow"))
        finished: list[asyncio.Future[int]] = [loop.create_future() for _ in range(3)]
        for future in finished:
            deadlines.add(future)
            future.set_result(1)
        slow: asyncio.Future[int] = loop.create_future()
        deadlines.add(slow)
        assert len(deadlines) == 1  # finished heads were dropped when the slow call came
        with pytest.raises(Timeout):
            await slow
        assert [future.result() for future in finished] == [1, 1, 1]
        assert len(deadlines) == 0

    asyncio.run(main())
