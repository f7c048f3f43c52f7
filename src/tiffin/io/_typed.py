"""Plain typed values: ``JSON``, scalars, pydantic models, dataclasses, typed containers.

Validation goes through a pydantic ``TypeAdapter`` built once per descriptor; ``Any``,
``dict`` and ``list`` skip pydantic entirely. Results are not re-validated: they go straight
to orjson, which writes dataclasses, numpy values and (through ``default``) pydantic models.
"""

from __future__ import annotations

from typing import Any

import pydantic

from tiffin.exceptions import BadInput, ConfigurationError
from tiffin.io import _json
from tiffin.io._base import IODescriptor, json_kind
from tiffin.io._schema import inline_refs

__all__ = ["JSON", "TypedValue"]

_CONTAINERS: dict[Any, str] = {dict: "an object", list: "an array"}


class TypedValue(IODescriptor):
    """A JSON value of a Python type (``int``, ``list[float]``, a pydantic model, ...)."""

    __slots__ = ("_adapter", "annotation")

    _kind = "json"

    def __init__(self, annotation: Any = Any, *, lenient: bool = False) -> None:
        self.annotation = annotation
        self._adapter: pydantic.TypeAdapter[Any] | None = None
        if annotation is not Any and annotation not in _CONTAINERS:
            try:
                self._adapter = pydantic.TypeAdapter(annotation)
            except (pydantic.PydanticSchemaGenerationError, TypeError) as exc:
                if lenient:  # a result: orjson writes it, only its schema stays open
                    return
                reason = str(exc).splitlines()[0]
                raise ConfigurationError(
                    f"The type {_name(annotation)} cannot be received as JSON ({reason}). "
                    "Use a JSON type, a pydantic model, a dataclass or a tiffin.io descriptor."
                ) from None

    def from_json(self, value: Any) -> Any:
        if self._adapter is None:
            container = _CONTAINERS.get(self.annotation)
            if container is not None and not isinstance(value, self.annotation):
                raise BadInput(
                    f"expected {container}, received {json_kind(value)}.",
                    details={"expected": container, "received": json_kind(value)},
                )
            return value
        try:
            return self._adapter.validate_python(value)
        except pydantic.ValidationError as exc:
            raise _validation_error(self.annotation, exc) from None

    def from_text(self, text: str) -> Any:
        try:
            return self.from_json(_json.loads(text))
        except (_json.JSONDecodeError, BadInput):
            # Text that is not JSON, or JSON of the wrong type ("007" for a str), is taken
            # as the string itself: pydantic's lax mode turns "3" into 3 and "true" into True.
            return self.from_json(text)

    def validate(self, value: Any) -> Any:
        return self.from_json(value)

    def json_schema(self) -> dict[str, Any]:
        if self._adapter is None:
            container = _CONTAINERS.get(self.annotation)
            return {"type": "object" if self.annotation is dict else "array"} if container else {}
        try:
            return inline_refs(self._adapter.json_schema())
        except pydantic.errors.PydanticInvalidForJsonSchema:
            return {}

    def _options(self) -> dict[str, Any]:
        return {"type": _name(self.annotation)}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, TypedValue)
        return bool(self.annotation == other.annotation)

    def __hash__(self) -> int:
        try:
            return hash((type(self), self.annotation))
        except TypeError:
            return hash((type(self), _name(self.annotation)))


class JSON(TypedValue):
    """Any JSON value; with ``pydantic_model``, an instance of that model.

    Example::

        def predict(self, input_data: JSON) -> JSON: ...
        def score(self, request: JSON(pydantic_model=ScoreRequest)) -> JSON: ...
    """

    __slots__ = ()

    def __init__(self, pydantic_model: type[pydantic.BaseModel] | None = None) -> None:
        if pydantic_model is not None and not (
            isinstance(pydantic_model, type) and issubclass(pydantic_model, pydantic.BaseModel)
        ):
            raise ConfigurationError(
                f"JSON(pydantic_model={pydantic_model!r}) needs a pydantic.BaseModel subclass."
            )
        super().__init__(Any if pydantic_model is None else pydantic_model)

    @property
    def pydantic_model(self) -> type[pydantic.BaseModel] | None:
        """The declared model, or ``None`` for any JSON value."""
        model: type[pydantic.BaseModel] | None = None if self.annotation is Any else self.annotation
        return model

    def _options(self) -> dict[str, Any]:
        model = self.pydantic_model
        return {} if model is None else {"pydantic_model": model.__qualname__}


def _name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")


def _validation_error(annotation: Any, exc: pydantic.ValidationError) -> BadInput:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    at = f" at {where!r}" if where else ""
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return BadInput(
        f"expected {_name(annotation)}: {first['msg'].lower()}{at}{more}.",
        details={"errors": [{**error, "loc": list(error["loc"])} for error in errors]},
    )
