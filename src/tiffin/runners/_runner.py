"""``Runner``: runs the methods of a runnable, in this process or (later) in worker processes."""

from __future__ import annotations

import enum
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, final

from tiffin.exceptions import InvalidArgument, ServiceUnavailable
from tiffin.runners._arguments import (
    DEFAULT_PLACEMENT,
    backend_for,
    check_name,
    checked_init_params,
    checked_workers,
    default_name,
    effective_methods,
    resolve_default_method,
    split_runnable,
)
from tiffin.runners._backend import Backend, RunnerSpec
from tiffin.runners._dispatch import Dispatcher, dispatcher_for
from tiffin.runners._handle import MethodHandle
from tiffin.runners._runnable import MethodConfig, Runnable

__all__ = ["Runner"]


class _State(enum.Enum):
    NEW = "new"
    READY = "ready"
    FAILED = "failed"
    CLOSED = "closed"


@final
class Runner:
    """Runs the methods of a :class:`~tiffin.runners.Runnable`, optionally batched.

    ``runnable`` is a ``Runnable`` subclass, built with ``init_params`` when the runner starts,
    or an instance already built (then the runner can only run it in this process)::

        runner = tiffin.Runner(Classifier, init_params={"path": "model.npz"})
        runner.run(rows)                       # the default method
        await runner.predict.async_run(rows)   # any method by name

    Args:
        name: the runner's name (in metrics, readiness and URLs); defaults to the class name in
            lowercase words, ``Classifier`` -> ``"classifier"``.
        init_params: keyword arguments for the runnable's ``__init__``, checked now.
        max_batch_size: caps the rows per batch of every batchable method, over the method's
            own setting.
        max_latency_ms: bounds each request's queue plus run time of every batchable method,
            over the method's own setting.
        placement: where the runnable lives; ``"local"`` (the default) is this process.
        workers: how many calls of the runnable run at once on the runner's own threads
            (``async_run``); default 1. One is the safe choice: a runnable is not assumed to
            be thread-safe, frameworks that release the GIL (numpy, torch, onnxruntime) already
            spread one call over the CPU's threads, and one busy executor is what lets
            adaptive batching join waiting requests. Raise it for thread-safe models whose
            calls are single-threaded.
        default_method: the method ``run``/``async_run`` call; by default the only method,
            else ``__call__``, else the first declared.

    The runner starts lazily on its first call, or with :meth:`init`; a runnable that fails
    to build raises :class:`~tiffin.exceptions.ServiceUnavailable` naming the cause, and
    :meth:`info` reports it.
    """

    def __init__(
        self,
        runnable: type[Runnable] | Runnable,
        *,
        name: str | None = None,
        init_params: Mapping[str, Any] | None = None,
        max_batch_size: int | None = None,
        max_latency_ms: float | None = None,
        placement: str | None = None,
        workers: int | None = None,
        default_method: str | None = None,
    ) -> None:
        runnable_class, instance = split_runnable(runnable)
        params = checked_init_params(runnable_class, instance, init_params)
        methods = effective_methods(runnable_class, params, max_batch_size, max_latency_ms)
        self._placement = DEFAULT_PLACEMENT if placement is None else placement
        chosen = backend_for(self._placement, instance)
        self._name = default_name(runnable_class) if name is None else check_name(name)
        self._default_method = resolve_default_method(runnable_class, methods, default_method)
        spec = RunnerSpec(
            name=self._name,
            runnable_class=runnable_class,
            init_params=MappingProxyType(params),
            methods=MappingProxyType(methods),
            workers=checked_workers(workers),
            instance=instance,
        )
        self._spec = spec
        self._backend: Backend = chosen(spec)
        self._handles = {
            name: MethodHandle(config, self._ready_dispatchers) for name, config in methods.items()
        }
        self._default = self._handles[self._default_method]
        self.__dict__.update(_shortcuts(self._handles))
        self._lock = threading.Lock()
        self._state = _State.NEW
        self._error: str | None = None
        self._failure: BaseException | None = None
        self._dispatchers: dict[str, Dispatcher] = {}

    @property
    def name(self) -> str:
        """The runner's name."""
        return self._name

    @property
    def placement(self) -> str:
        """Where the runnable lives: ``"local"`` is this process."""
        return self._placement

    @property
    def workers(self) -> int:
        """How many calls the runner runs at once on its own executors."""
        return self._spec.workers

    @property
    def runnable_class(self) -> type[Runnable]:
        """The runnable's class."""
        return self._spec.runnable_class

    @property
    def init_params(self) -> Mapping[str, Any]:
        """The checked parameters the runnable is built with (read-only)."""
        return self._spec.init_params

    @property
    def methods(self) -> Mapping[str, MethodConfig]:
        """Each method's name and config, in declaration order, with the runner's overrides."""
        return self._spec.methods

    @property
    def default_method(self) -> str:
        """The name of the method that :meth:`run` and :meth:`async_run` call."""
        return self._default_method

    @property
    def ready(self) -> bool:
        """Whether the runner is started and can take calls without loading anything."""
        return self._state is _State.READY

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the default method and return its result, blocking this thread until then."""
        return self._default.run(*args, **kwargs)

    async def async_run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the default method without blocking the event loop, and return its result."""
        return await self._default.async_run(*args, **kwargs)

    def handle(self, method: str) -> MethodHandle:
        """The handle of ``method``; the same as ``runner.<method>``, also for names that the
        runner's own attributes hide (``runner.handle("info")``)."""
        try:
            return self._handles[method]
        except KeyError:
            raise InvalidArgument(self._no_such_method(method)) from None

    def init(self) -> None:
        """Start the runner now (build the runnable, load the model), if it is not started.

        Safe to call from several threads and more than once. After a failed start or a
        :meth:`shutdown`, it tries again.
        """
        self._start(retry=True)

    def shutdown(self) -> None:
        """Stop the runner: in-flight calls finish, later ones are refused until :meth:`init`."""
        with self._lock:
            for handle in self._handles.values():
                handle._dispatcher = None
            was_ready, self._state = self._state is _State.READY, _State.CLOSED
            dispatchers, self._dispatchers = self._dispatchers, {}
            self._error = self._failure = None
            for dispatcher in dispatchers.values():
                dispatcher.close()
            if was_ready:
                self._backend.stop()

    def info(self) -> dict[str, Any]:
        """What readiness and metadata endpoints report about this runner (JSON-ready)."""
        spec = self._spec
        return {
            "name": self._name,
            "runnable": f"{spec.runnable_class.__module__}.{spec.runnable_class.__qualname__}",
            "placement": self._placement,
            "workers": spec.workers,
            "resources": list(spec.runnable_class.SUPPORTED_RESOURCES),
            "default_method": self._default_method,
            "methods": {name: _method_info(config) for name, config in spec.methods.items()},
            "ready": self.ready,
            "state": self._state.value,
            "error": self._error,
            "backend": self._backend.info(),
        }

    def __getattr__(self, name: str) -> MethodHandle:
        # Only called for names not found normally; __dict__ is read directly so that a
        # half-built runner (copy, pickle) answers AttributeError instead of recursing.
        handles = self.__dict__.get("_handles")
        if handles is not None and name in handles:
            handle: MethodHandle = handles[name]
            return handle
        raise AttributeError(self._no_such_method(name))

    def __repr__(self) -> str:
        return (
            f"Runner({self._name!r}, runnable={self._spec.runnable_class.__name__}, "
            f"placement={self._placement!r}, ready={self.ready})"
        )

    def _no_such_method(self, method: str) -> str:
        handles = self.__dict__.get("_handles") or {}
        known = ", ".join(handles) or "none"
        return (
            f"Runner {self.__dict__.get('_name')!r} has no method {method!r}; "
            f"its methods are: {known}."
        )

    def _ready_dispatchers(self) -> Mapping[str, Dispatcher]:
        # The lazy path of a first call: start unless a previous start failed or the runner
        # was shut down, which only init() undoes.
        return self._start(retry=False)

    def _start(self, *, retry: bool) -> Mapping[str, Dispatcher]:
        with self._lock:
            if self._state is _State.READY:
                return self._dispatchers
            if not retry:
                self._refuse_if_stopped()
            try:
                dispatchers = self._open()
            except Exception as exc:
                self._state, self._failure = _State.FAILED, exc
                self._error = _failure_message(self._name, self._spec, exc)
                raise ServiceUnavailable(self._error) from exc
            for name, handle in self._handles.items():
                handle._dispatcher = dispatchers[name]
            self._dispatchers, self._error, self._failure = dispatchers, None, None
            self._state = _State.READY
            return dispatchers

    def _refuse_if_stopped(self) -> None:
        if self._state is _State.FAILED:
            raise ServiceUnavailable(self._error or "") from self._failure
        if self._state is _State.CLOSED:
            raise ServiceUnavailable(
                f'Runner "{self._name}" is shut down; call runner.init() to start it again.'
            )

    def _open(self) -> dict[str, Dispatcher]:
        self._backend.start()
        try:
            return {
                name: dispatcher_for(config, self._backend)
                for name, config in self._spec.methods.items()
            }
        except BaseException:
            self._backend.stop()
            raise


def _shortcuts(handles: dict[str, MethodHandle]) -> dict[str, MethodHandle]:
    # Handles stored as instance attributes are found without a __getattr__ call (~0.6 us
    # per call saved). Names the Runner class uses, and private ones, stay behind
    # __getattr__ so that a method can never hide or replace the runner's own attributes.
    reserved = {name for klass in Runner.__mro__ for name in vars(klass)}
    return {
        name: handle
        for name, handle in handles.items()
        if not name.startswith("_") and name not in reserved
    }


def _method_info(config: MethodConfig) -> dict[str, Any]:
    return {
        "batchable": config.batchable,
        "batch_dim": list(config.batch_dim),
        "max_batch_size": config.max_batch_size,
        "max_latency_ms": config.max_latency_ms,
    }


def _failure_message(name: str, spec: RunnerSpec, exc: BaseException) -> str:
    built = spec.runnable_class.__name__ + ("" if spec.instance is not None else "(...)")
    cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cause = cause.rstrip(".")
    return (
        f'Runner "{name}" could not start: {built} raised {cause}. Fix the cause, then call '
        "runner.init() to try again."
    )
