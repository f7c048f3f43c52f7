"""The 400s of the binding rule: sentences naming the fields and the body shape expected."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from tiffin.exceptions import BadInput
from tiffin.io import _json
from tiffin.io._base import json_kind
from tiffin.io._param import Param

__all__ = ["bad_json", "decode", "field_list", "in_field", "mismatch", "whole_body_error"]


def decode(name: str, decoder: Callable[..., Any], *args: Any) -> Any:
    """``decoder(*args)``, with any ``BadInput`` re-raised as being about parameter ``name``."""
    try:
        return decoder(*args)
    except BadInput as exc:
        raise in_field(name, exc) from None


def in_field(name: str, exc: BadInput) -> BadInput:
    """``exc`` as an error about parameter ``name`` (message prefix and ``details.field``)."""
    if isinstance(exc.details, dict):
        details = exc.details
    else:
        details = {} if exc.details is None else {"reason": exc.details}
    message = exc.message[:1].lower() + exc.message[1:]
    return BadInput(f'Parameter "{name}": {message}', details={"field": name, **details})


def bad_json(exc: _json.JSONDecodeError) -> BadInput:
    """Malformed JSON, with where parsing stopped."""
    return BadInput(
        f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, column "
        f"{exc.colno} (character {exc.pos}). Send a JSON document, or set Content-Type to the "
        "binary type of the body.",
        details={"line": exc.lineno, "column": exc.colno, "position": exc.pos},
    )


def mismatch(params: Sequence[Param], document: Any, where: str = "body") -> BadInput:
    """A body (or form, or query string) that binds to no reading of the rule."""
    if not params:
        received = (
            f"the fields {_quoted(document)}" if isinstance(document, dict) else json_kind(document)
        )
        return BadInput(
            f"This API takes no input, and the {where} holds {received}; send an empty body "
            "or {}.",
            details={"expected": {}, "received": received},
        )
    expected = {param.name: "required" if param.required else "optional" for param in params}
    if not isinstance(document, dict):
        return BadInput(
            f"The {where} must be {_object_form(params)}; received {json_kind(document)}.",
            details={"expected": expected, "received": json_kind(document)},
        )
    missing, unknown = _missing_unknown(params, document)
    return BadInput(
        f"The {where} does not match this API: {_problems(missing, unknown)}. Send "
        f"{_object_form(params)}.",
        details={"missing": missing, "unknown": unknown, "expected": expected},
    )


def whole_body_error(
    params: Sequence[Param], param: Param, document: Any, exc: BadInput
) -> BadInput:
    """The body neither binds by name nor is a valid value of the single required ``param``."""
    if type(document) is not dict:
        return in_field(param.name, exc)
    missing, unknown = _missing_unknown(params, document)
    return BadInput(
        f"The body does not bind by name ({_problems(missing, unknown)}), and as a whole it is "
        f'not a valid "{param.name}": {exc.message} Send {_object_form(params)}, or the value '
        f'of "{param.name}" itself.',
        details={"field": param.name, "missing": missing, "unknown": unknown},
    )


def field_list(params: Sequence[Param]) -> str:
    """``"a" (required), "b" (optional)``."""
    return ", ".join(
        f'"{param.name}" ({"required" if param.required else "optional"})' for param in params
    )


def _object_form(params: Sequence[Param]) -> str:
    return f"an object with the fields {field_list(params)}"


def _missing_unknown(
    params: Sequence[Param], document: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    names = {param.name for param in params}
    missing = [param.name for param in params if param.required and param.name not in document]
    unknown = [str(key) for key in document if key not in names]
    return missing, unknown


def _problems(missing: list[str], unknown: list[str]) -> str:
    problems = []
    if missing:
        problems.append(f"missing required {_plural('field', missing)} {_quoted(missing)}")
    if unknown:
        problems.append(f"unknown {_plural('field', unknown)} {_quoted(unknown)}")
    return "; ".join(problems) or "no fields match"


def _plural(word: str, items: Collection[str]) -> str:
    return word if len(items) == 1 else f"{word}s"


def _quoted(names: Collection[Any]) -> str:
    return ", ".join(f'"{name}"' for name in names)
