"""Checking and normalising the arguments of ``Runner(...)``, once, when it is made."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from tiffin.exceptions import InvalidArgument
from tiffin.runners._backend import Backend, backend_class
from tiffin.runners._runnable import MethodConfig, Runnable

__all__ = [
    "DEFAULT_PLACEMENT",
    "backend_for",
    "check_name",
    "checked_init_params",
    "checked_workers",
    "default_name",
    "effective_methods",
    "resolve_default_method",
    "split_runnable",
]

DEFAULT_PLACEMENT = "local"
_NAME = re.compile(r"[a-z0-9](?:[-._a-z0-9]{0,61}[a-z0-9])?")
_NAME_RULE = (
    '1 to 63 characters of lowercase letters, digits, "-", "_" and ".", starting and ending '
    "with a letter or digit"
)
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


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


def split_runnable(runnable: object) -> tuple[type[Runnable], Runnable | None]:
    """The runnable's class, and the instance when one was given instead of a class."""
    if isinstance(runnable, type) and issubclass(runnable, Runnable):
        return runnable, None
    if isinstance(runnable, Runnable):
        return type(runnable), runnable
    raise TypeError(
        f"Runner takes a Runnable subclass or an instance of one, not {runnable!r}; subclass "
        "tiffin.Runnable and mark its methods with @tiffin.Runnable.method."
    )


def checked_init_params(
    runnable_class: type[Runnable], instance: Runnable | None, init_params: object
) -> dict[str, Any]:
    """The init_params to build the class with, as its hook checked them; none for an instance."""
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


def effective_methods(
    runnable_class: type[Runnable],
    params: Mapping[str, Any],
    max_batch_size: int | None,
    max_latency_ms: float | None,
) -> dict[str, MethodConfig]:
    """The runnable's method configs, with the runner's batching limits over the batchable ones."""
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


def backend_for(placement: str, instance: Runnable | None) -> type[Backend]:
    """The backend class of ``placement``, if it can hold what the runner was given."""
    chosen = backend_class(placement)
    if instance is not None and not chosen.SUPPORTS_INSTANCES:
        raise InvalidArgument(
            f"A runnable instance lives in this process, so it cannot run with "
            f"placement={placement!r}; pass its class and init_params instead, or use "
            f"placement={DEFAULT_PLACEMENT!r}."
        )
    return chosen


def resolve_default_method(
    runnable_class: type[Runnable], methods: Mapping[str, MethodConfig], requested: str | None
) -> str:
    """The method ``run`` calls: the requested one, else ``__call__``, else the first declared."""
    if requested is None:
        return "__call__" if "__call__" in methods else next(iter(methods))
    if requested not in methods:
        raise InvalidArgument(
            f"default_method {requested!r} is not a method of {runnable_class.__name__}; "
            f"choose one of: {', '.join(methods)}."
        )
    return requested


def checked_workers(workers: object) -> int:
    """The number of executors; one unless asked (see ``Runner``'s docstring for why)."""
    if workers is None:
        return 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgument(f"workers is a positive number of executors, not {workers!r}.")
    return workers
