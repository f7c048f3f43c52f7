"""``MethodHandle``: ``runner.predict``, the object that calls one method of a runner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, final

from tiffin.runners._dispatch import Dispatcher
from tiffin.runners._runnable import MethodConfig

__all__ = ["MethodHandle"]

# Starts the runner if needed and returns its dispatchers by method name.
Starter = Callable[[], Mapping[str, Dispatcher]]


@final
class MethodHandle:
    """Calls one method of a runner: ``runner.predict.run(x)``, ``await ...async_run(x)``.

    Built by :class:`~tiffin.runners.Runner`, one per method; users get them as attributes of
    the runner. The first call starts the runner if it is not started yet.
    """

    __slots__ = ("_dispatcher", "_start", "config")

    def __init__(self, config: MethodConfig, start: Starter) -> None:
        self.config = config
        self._start = start
        # Set by the runner while it is started; None sends calls through ``_start``.
        self._dispatcher: Dispatcher | None = None

    @property
    def name(self) -> str:
        """The method's name."""
        return self.config.name

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the method and return its result, blocking this thread until then."""
        dispatcher = self._dispatcher
        if dispatcher is None:
            dispatcher = self._start()[self.config.name]
        return dispatcher.submit(args, kwargs)

    async def async_run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the method without blocking the event loop, and return its result.

        Starting the runner (loading the model) on a first call also happens off the loop.
        """
        dispatcher = self._dispatcher
        if dispatcher is None:
            dispatchers = await asyncio.to_thread(self._start)
            dispatcher = dispatchers[self.config.name]
        return await dispatcher.asubmit(args, kwargs)

    def __repr__(self) -> str:
        return f"<MethodHandle {self.config.name!r} batchable={self.config.batchable}>"
