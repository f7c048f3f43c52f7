"""Lifecycle hooks: ``@tiffin.on_startup`` and ``@tiffin.on_shutdown``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

__all__ = ["HOOK_ATTRIBUTE", "on_shutdown", "on_startup"]

HOOK_ATTRIBUTE = "__tiffin_hook__"
F = TypeVar("F", bound=Callable[..., Any])


def _mark(func: F, when: Literal["startup", "shutdown"]) -> F:
    if not callable(func):
        raise TypeError(f"@tiffin.on_{when} decorates a method, not {func!r}.")
    setattr(func, HOOK_ATTRIBUTE, when)
    return func


def on_startup(func: F) -> F:
    """Run this method (sync or async) once per worker, after ``__init__``, before serving."""
    return _mark(func, "startup")


def on_shutdown(func: F) -> F:
    """Run this method (sync or async) once per worker when it stops."""
    return _mark(func, "shutdown")
