"""Resolved annotations of a function, including ones written as strings."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from tiffin.exceptions import ConfigurationError

__all__ = ["type_hints"]


def type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    """``func``'s annotations, evaluated (``from __future__ import annotations`` works).

    ``typing.get_type_hints`` rejects descriptor instances written as strings on Python
    3.10 (``x: "NumpyNdarray(shape=(-1, 4))"`` is not a type), so plain evaluation is the
    fallback.
    """
    func = inspect.unwrap(func)
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:  # any failure falls back to plain evaluation
        pass
    try:
        return inspect.get_annotations(func, eval_str=True)
    except Exception as exc:
        raise ConfigurationError(
            f"The annotations of {getattr(func, '__qualname__', func)!r} cannot be evaluated "
            f"({type(exc).__name__}: {exc}); import the names they use at module level."
        ) from exc
