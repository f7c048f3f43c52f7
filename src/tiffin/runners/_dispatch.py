"""Dispatchers: the step between a method handle and its backend.

Every call of a runner method goes ``MethodHandle -> Dispatcher -> Backend``. Methods that
are not batchable use :class:`PassThroughDispatcher`, which hands each request to the backend
as it comes. Batchable methods use the dispatcher named by :data:`BATCHING_DISPATCHER`; until
adaptive batching lands that is the pass-through too (a request is its own batch), and the
adaptive dispatcher replaces it by changing that one string.

A dispatcher class is built as ``cls(config, backend)`` when the runner starts and closed when
it stops. A batching one joins concurrent requests into one ``backend.call``/``backend.acall``
of ``config.name`` and splits the result back per request, keeping ``backend.concurrency``
calls in flight.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from tiffin.runners._backend import Backend
from tiffin.runners._runnable import MethodConfig

__all__ = [
    "BATCHING_DISPATCHER",
    "Dispatcher",
    "DispatcherFactory",
    "PassThroughDispatcher",
    "dispatcher_for",
]

#: ``"module:attr"`` of the dispatcher class used for batchable methods.
BATCHING_DISPATCHER = "tiffin.runners._dispatch:PassThroughDispatcher"


class Dispatcher(Protocol):
    """Takes one request for one method and returns its result."""

    def submit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run the request for a synchronous caller, blocking until its result is ready."""
        ...

    async def asubmit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run the request without blocking the caller's event loop."""
        ...

    def close(self) -> None:
        """Stop taking requests and release what the dispatcher holds."""
        ...


class DispatcherFactory(Protocol):
    """What builds a dispatcher: a dispatcher class, usually."""

    def __call__(self, config: MethodConfig, backend: Backend, /) -> Dispatcher: ...


class PassThroughDispatcher:
    """Sends every request straight to the backend: each request is its own batch."""

    __slots__ = ("_backend", "_method")

    def __init__(self, config: MethodConfig, backend: Backend, /) -> None:
        self._method = config.name
        self._backend = backend

    def submit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Call the method on the backend now and return its result."""
        return self._backend.call(self._method, args, kwargs)

    async def asubmit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Await the method's call on the backend."""
        return await self._backend.acall(self._method, args, kwargs)

    def close(self) -> None:
        """Nothing to release."""


def dispatcher_for(config: MethodConfig, backend: Backend) -> Dispatcher:
    """The dispatcher for one method of a started runner."""
    if not config.batchable:
        return PassThroughDispatcher(config, backend)
    module_name, _, attr = BATCHING_DISPATCHER.partition(":")
    factory: DispatcherFactory = getattr(importlib.import_module(module_name), attr)
    return factory(config, backend)
