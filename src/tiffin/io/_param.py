"""``Param``: one API parameter, and reading them from a function's signature."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, Optional

from tiffin.exceptions import ConfigurationError
from tiffin.io import _json
from tiffin.io._base import IODescriptor, Nullable
from tiffin.io._hints import type_hints
from tiffin.io._resolve import descriptor_for
from tiffin.io._stream import Stream
from tiffin.io._typed import TypedValue

__all__ = ["Param", "params_of"]

_EMPTY = inspect.Parameter.empty
_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


@dataclasses.dataclass(frozen=True)
class Param:
    """One API parameter: its name, descriptor and default (``Param.empty`` when required)."""

    empty = _EMPTY

    name: str
    descriptor: IODescriptor
    default: Any = _EMPTY

    @property
    def required(self) -> bool:
        """Whether a request must give this parameter."""
        return self.default is _EMPTY

    def json_schema(self) -> dict[str, Any]:
        """The descriptor's schema, with the default when it has a JSON form."""
        schema = self.descriptor.json_schema()
        default = self._json_default()
        return schema if default is _EMPTY else {**schema, "default": default}

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description: name, requiredness, descriptor and default."""
        described = {"name": self.name, "required": self.required, "io": self.descriptor.describe()}
        default = self._json_default()
        if default is not _EMPTY:
            described["default"] = default
        return described

    def _json_default(self) -> Any:
        if self.required:
            return _EMPTY
        try:
            return _json.loads(_json.dumps(self.default))
        except TypeError:
            return _EMPTY


def params_of(func: Callable[..., Any], *, skip_self: bool | None = None) -> tuple[Param, ...]:
    """The parameters of ``func`` as ``Param``s; ``skip_self=None`` skips a first parameter
    named ``self`` or ``cls``."""
    parameters = list(inspect.signature(func).parameters.values())
    if parameters and (skip_self or (skip_self is None and parameters[0].name in ("self", "cls"))):
        parameters = parameters[1:]
    hints = type_hints(func)
    return tuple(_param(func, parameter, hints) for parameter in parameters)


def _param(func: Callable[..., Any], parameter: inspect.Parameter, hints: dict[str, Any]) -> Param:
    where = f'Parameter "{parameter.name}" of {getattr(func, "__qualname__", func)}'
    if parameter.kind not in _KEYWORD_KINDS:
        raise ConfigurationError(
            f"{where} is {parameter.kind.description}; API parameters must be plain named "
            "parameters, each filled from the request by name."
        )
    try:
        descriptor = descriptor_for(hints.get(parameter.name, parameter.annotation))
    except ConfigurationError as exc:
        raise ConfigurationError(f"{where}: {exc.message}") from exc
    if isinstance(descriptor, Stream):
        raise ConfigurationError(f"{where} is a generator type; streams are results only.")
    if parameter.default is None:
        descriptor = _nullable(descriptor)
    return Param(parameter.name, descriptor, parameter.default)


def _nullable(descriptor: IODescriptor) -> IODescriptor:
    """``x: int = None`` takes ``null`` too, as type checkers used to read it."""
    if isinstance(descriptor, Nullable):
        return descriptor
    if isinstance(descriptor, TypedValue):
        annotation = descriptor.annotation
        return descriptor if annotation is Any else TypedValue(Optional[annotation])  # noqa: UP045
    return Nullable(descriptor)
