"""``Runner``: runs the methods of a runnable, in this process or (later) in worker processes."""

from __future__ import annotations

import dataclasses
import enum
import re
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, final

from tiffin.exceptions import InvalidArgument, ServiceUnavailable
from tiffin.runners._backend import Backend, RunnerSpec, backend_class
from tiffin.runners._dispatch import Dispatcher, dispatcher_for
from tiffin.runners._handle import MethodHandle
from tiffin.runners._runnable import MethodConfig, Runnable

__all__ = ["Runner"]

_NAME = re.compile(r"[a-z0-9](?:[-._a-z0-9]{0,61}[a-z0-9])?")
_NAME_RULE = (
    '1 to 63 characters of lowercase letters, digits, "-", "_" and ".", starting and ending '
    "with a letter or digit"
)
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DEFAULT_PLACEMENT = "local"


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
        runnable_class, instance = _split_runnable(runnable)
        params = _init_params(runnable_class, instance, init_params)
        methods = _methods(runnable_class, params, max_batch_size, max_latency_ms)
        self._placement = _DEFAULT_PLACEMENT if placement is None else placement
        chosen = _backend_class(self._placement, instance)
        self._name = default_name(runnable_class) if name is None else check_name(name)
        self._default_method = _default_method(runnable_class, methods, default_method)
        spec = RunnerSpec(
            name=self._name,
            runnable_class=runnable_class,
            init_params=MappingProxyType(params),
            methods=MappingProxyType(methods),
            workers=_workers(workers),
            instance=instance,
        )
        self._spec = spec
        self._backend: Backend = chosen(spec)
        self._handles = {
            name: MethodHandle(config, self._ready_dispatchers) for name, config in methods.items()
        }
        self._default = self._handles[self._default_method]
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


def check_name(name: object) -> str:
    """Check a runner name (the rules of model names) and return it."""
    if not isinstance(name, str):
        raise TypeError(f"A runner name is a string, not {type(name).__name__}.")
    if _NAME.fullmatch(name):
        return name
    if _NAME.fullmatch(name.lower()):
        raise InvalidArgument(
            f'Runner name "{name}" has upper-case letters; use "{name.lower()}" instead.'
        )
    raise InvalidArgument(f'Runner name "{name}" is invalid: a runner name has {_NAME_RULE}.')


def default_name(runnable_class: type) -> str:
    """A valid runner name made from a class name: ``MLPClassifier`` -> ``"mlp-classifier"``."""
    words = _WORD_BREAK.sub("-", runnable_class.__name__).lower()
    name = re.sub(r"[^-._a-z0-9]+", "-", words).strip("-._")[:63].rstrip("-._")
    return name or "runner"


def _split_runnable(runnable: object) -> tuple[type[Runnable], Runnable | None]:
    if isinstance(runnable, type) and issubclass(runnable, Runnable):
        return runnable, None
    if isinstance(runnable, Runnable):
        return type(runnable), runnable
    raise TypeError(
        f"Runner takes a Runnable subclass or an instance of one, not {runnable!r}; subclass "
        "tiffin.Runnable and mark its methods with @tiffin.Runnable.method."
    )


def _init_params(
    runnable_class: type[Runnable], instance: Runnable | None, init_params: object
) -> dict[str, Any]:
    if init_params is not None and not isinstance(init_params, Mapping):
        raise TypeError(f"init_params is a mapping of keyword arguments, not {init_params!r}.")
    if instance is None:
        return runnable_class.validate_init_params(init_params or {})
    if init_params:
        raise InvalidArgument(
            f"init_params build a runnable from its class, but this {runnable_class.__name__} "
            f"is already built; pass Runner({runnable_class.__name__}, init_params=...) or "
            "drop init_params."
        )
    return {}


def _methods(
    runnable_class: type[Runnable],
    params: Mapping[str, Any],
    max_batch_size: int | None,
    max_latency_ms: float | None,
) -> dict[str, MethodConfig]:
    configs = runnable_class.method_configs(params)
    _check_configs(runnable_class, configs)
    overrides: dict[str, Any] = {}
    if max_batch_size is not None:
        overrides["max_batch_size"] = max_batch_size
    if max_latency_ms is not None:
        overrides["max_latency_ms"] = max_latency_ms
    if not overrides:
        return configs
    if not any(config.batchable for config in configs.values()):
        raise InvalidArgument(
            f"{' and '.join(overrides)} only apply to batchable methods, and "
            f"{runnable_class.__name__} has none; mark one with "
            "@Runnable.method(batchable=True) or drop them."
        )
    return {
        name: dataclasses.replace(config, **overrides) if config.batchable else config
        for name, config in configs.items()
    }


def _check_configs(runnable_class: type[Runnable], configs: object) -> None:
    owner = runnable_class.__name__
    if not isinstance(configs, dict) or not configs:
        raise InvalidArgument(
            f"{owner} has no runnable methods; mark the methods to expose with "
            "@tiffin.Runnable.method."
        )
    for key, config in configs.items():
        if not isinstance(config, MethodConfig) or config.name != key:
            raise TypeError(
                f"{owner}.method_configs() maps each method name to its MethodConfig, but "
                f"{key!r} maps to {config!r}."
            )


def _backend_class(placement: str, instance: Runnable | None) -> type[Backend]:
    chosen = backend_class(placement)
    if instance is not None and not chosen.SUPPORTS_INSTANCES:
        raise InvalidArgument(
            f"A runnable instance lives in this process, so it cannot run with "
            f"placement={placement!r}; pass its class and init_params instead, or use "
            f"placement={_DEFAULT_PLACEMENT!r}."
        )
    return chosen


def _default_method(
    runnable_class: type[Runnable], methods: Mapping[str, MethodConfig], requested: str | None
) -> str:
    if requested is None:
        return "__call__" if "__call__" in methods else next(iter(methods))
    if requested not in methods:
        raise InvalidArgument(
            f"default_method {requested!r} is not a method of {runnable_class.__name__}; "
            f"choose one of: {', '.join(methods)}."
        )
    return requested


def _workers(workers: object) -> int:
    if workers is None:
        return 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgument(f"workers is a positive number of executors, not {workers!r}.")
    return workers


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
    return (
        f'Runner "{name}" could not start: {built} raised {cause}. Fix the cause, then call '
        "runner.init() to try again."
    )
