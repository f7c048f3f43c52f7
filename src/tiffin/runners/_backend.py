"""Placement backends: where a runner's runnable lives and how a call reaches it.

A :class:`Backend` owns the runnable instance (or the processes that hold it) and runs one
call of one method. The runner picks its backend class by placement name from
:data:`PLACEMENTS`, a registry of ``"module:attr"`` strings imported on first use, so that a
placement is a one-module change and an unused one costs nothing at import time.
"""

from __future__ import annotations

import abc
import dataclasses
import importlib
from collections.abc import Mapping
from typing import Any, ClassVar

from tiffin.exceptions import InvalidArgument
from tiffin.runners._runnable import MethodConfig, Runnable

__all__ = ["PLACEMENTS", "Backend", "RunnerSpec", "backend_class"]

#: Placement name -> ``"module:attr"`` of its :class:`Backend` subclass.
PLACEMENTS: dict[str, str] = {
    "local": "tiffin.runners._local:LocalBackend",
}


@dataclasses.dataclass(frozen=True)
class RunnerSpec:
    """Everything a backend needs to build and call a runnable; fixed when the runner is made.

    Exactly one of ``runnable_class`` (built with ``init_params``) and ``instance`` (already
    built, in this process) describes the runnable; ``runnable_class`` is always its class.
    """

    name: str
    runnable_class: type[Runnable]
    init_params: Mapping[str, Any]
    methods: Mapping[str, MethodConfig]
    workers: int
    instance: Runnable | None = None


class Backend(abc.ABC):
    """Runs calls of a runnable's methods: the seam between a runner and a placement.

    The runner serialises :meth:`start` and :meth:`stop` (never concurrent, each called once
    per start/stop cycle); :meth:`call` and :meth:`acall` are called from any thread or event
    loop, concurrently, between them. ``args`` and ``kwargs`` are one request's arguments, or
    one batch's when a dispatcher has joined several requests.
    """

    #: Whether a runnable *instance* (built by the user in this process) can be placed here.
    SUPPORTS_INSTANCES: ClassVar[bool] = False

    def __init__(self, spec: RunnerSpec) -> None:
        self.spec = spec

    @property
    def concurrency(self) -> int:
        """How many calls can run at once; a batching dispatcher keeps this many busy."""
        return self.spec.workers

    @abc.abstractmethod
    def start(self) -> None:
        """Build the runnable (load the model); raise what building raised."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Let in-flight calls finish, then release the runnable and every thread or process."""

    @abc.abstractmethod
    def call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run one call from a synchronous caller, blocking until it returns."""

    @abc.abstractmethod
    async def acall(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run one call without blocking the caller's event loop."""

    def info(self) -> dict[str, Any]:
        """Placement-specific facts for the runner's :meth:`~tiffin.runners.Runner.info`."""
        return {}


def backend_class(placement: object) -> type[Backend]:
    """The backend class registered for ``placement``, imported now."""
    if not isinstance(placement, str) or placement not in PLACEMENTS:
        available = ", ".join(repr(name) for name in sorted(PLACEMENTS))
        raise InvalidArgument(
            f"Runner placement {placement!r} is not available; use one of: {available}."
        )
    module_name, _, attr = PLACEMENTS[placement].partition(":")
    found = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(found, type) and issubclass(found, Backend)):
        raise TypeError(f"PLACEMENTS[{placement!r}] names {found!r}, which is not a Backend.")
    return found
