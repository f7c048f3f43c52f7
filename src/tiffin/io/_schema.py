"""JSON Schema helpers: schemas that stand alone when embedded in a larger document."""

from __future__ import annotations

from typing import Any

__all__ = ["inline_refs"]

_PREFIX = "#/$defs/"


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``$ref``s replaced by the definitions they point to.

    pydantic puts nested models under ``$defs`` and refers to them from the root; once the
    schema is embedded in OpenAPI those references would point at the wrong root. A
    recursive model cannot be inlined, so its schema keeps ``$defs``.
    """
    definitions = schema.get("$defs")
    if not definitions:
        return schema
    try:
        inlined = _inline(schema, definitions, ())
    except RecursionError:
        return schema
    inlined.pop("$defs", None)
    return inlined  # type: ignore[no-any-return]


def _inline(node: Any, definitions: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith(_PREFIX):
        name = reference[len(_PREFIX) :]
        if name in seen:
            raise RecursionError(name)
        target = _inline(definitions[name], definitions, (*seen, name))
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return {**target, **_inline(siblings, definitions, seen)}
    return {key: _inline(value, definitions, seen) for key, value in node.items() if key != "$defs"}
