"""``IODescriptor``: how one parameter or return value travels on the wire.

A descriptor converts between Python values and their JSON and binary forms, validates
them, and describes itself with a JSON Schema. Descriptors are immutable values: equal when
their configuration is equal. ``BadInput`` raised by a descriptor names what was expected and
what was received; the binding layer adds which parameter it was.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tiffin.exceptions import BadInput, TiffinError, UnsupportedMediaType
from tiffin.io import _json
from tiffin.io._media import matches

__all__ = ["IODescriptor", "Nullable", "json_kind"]


class IODescriptor:
    """Base class of IO descriptors, the types API parameters and results are declared with.

    Subclasses override what differs from a plain JSON value: ``from_json``/``to_json``,
    the binary forms (``media_types``, ``from_bytes``/``to_bytes``), ``validate`` for
    in-process calls and ``json_schema``. A descriptor may be used as an annotation either as
    its class (``x: NumpyNdarray``) or as a configured instance
    (``x: NumpyNdarray(dtype="float32", shape=(-1, 4))``).
    """

    __slots__ = ()

    _kind: ClassVar[str] = "json"
    _media_types: ClassVar[tuple[str, ...]] = ()

    @property
    def kind(self) -> str:
        """A short name for the kind of value, published in ``describe()``."""
        return self._kind

    @property
    def media_types(self) -> tuple[str, ...]:
        """Binary media types (or ranges such as ``image/*``) read and written; the first is
        the default. Empty when the value travels only as JSON."""
        return self._media_types

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema (2020-12) of the value's JSON form."""
        return {}

    def from_json(self, value: Any) -> Any:
        """Decode and validate a value already parsed from JSON."""
        return value

    def to_json(self, value: Any) -> Any:
        """A form of ``value`` that :func:`tiffin.io._json.dumps` can serialise."""
        return value

    def from_text(self, text: str) -> Any:
        """Decode a value given as text (a query parameter or a form field).

        The text is parsed as JSON, so ``?n=3`` gives ``3`` and ``?x=[1,2]`` a list.
        """
        try:
            parsed = _json.loads(text)
        except _json.JSONDecodeError:
            raise BadInput(
                f"expected {self.kind} as JSON text, received {text[:40]!r}, which is not JSON; "
                "send it as JSON text or in the request body.",
                details={"received": text[:200]},
            ) from None
        return self.from_json(parsed)

    def accepts(self, media_type: str) -> bool:
        """Whether a binary body of ``media_type`` can be decoded by :meth:`from_bytes`."""
        return any(matches(offer, media_type) for offer in self.media_types)

    def from_bytes(self, body: bytes, content_type: str) -> Any:
        """Decode a binary body of the given ``Content-Type``."""
        raise UnsupportedMediaType(
            f"A {self.kind} value cannot be sent as {content_type!r}: send it as JSON."
        )

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        """Encode ``value`` in the binary form ``media_type`` (one of :meth:`output_media_type`)."""
        raise TiffinError(f"A {self.kind} value has no binary form {media_type!r}.")

    def output_media_type(self, offer: str) -> str:
        """The concrete media type to write for a negotiated ``offer`` (maybe a range)."""
        return offer if not offer.endswith("/*") else self.media_types[0]

    def validate(self, value: Any) -> Any:
        """Check (and convert) a Python value passed in-process, as :meth:`from_json` does."""
        return value

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description for ``/schema.json``: kind, options and binary forms."""
        return {"kind": self.kind, **self._options(), "media_types": list(self.media_types)}

    def _options(self) -> dict[str, Any]:
        """The configuration that makes two descriptors equal (JSON-ready values)."""
        return {}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, IODescriptor)
        return self._options() == other._options()

    def __hash__(self) -> int:
        return hash((type(self), _json.dumps(self._options())))

    def __repr__(self) -> str:
        options = ", ".join(f"{name}={value!r}" for name, value in self._options().items())
        return f"{type(self).__name__}({options})"


class Nullable(IODescriptor):
    """``Optional[X]`` for descriptor-backed ``X``: JSON ``null`` is ``None``."""

    __slots__ = ("inner",)

    def __init__(self, inner: IODescriptor) -> None:
        self.inner = inner

    @property
    def kind(self) -> str:
        return self.inner.kind

    @property
    def media_types(self) -> tuple[str, ...]:
        return self.inner.media_types

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [self.inner.json_schema(), {"type": "null"}]}

    def from_json(self, value: Any) -> Any:
        return None if value is None else self.inner.from_json(value)

    def to_json(self, value: Any) -> Any:
        return None if value is None else self.inner.to_json(value)

    def from_text(self, text: str) -> Any:
        return None if text in ("", "null") else self.inner.from_text(text)

    def from_bytes(self, body: bytes, content_type: str) -> Any:
        return self.inner.from_bytes(body, content_type)

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        return self.inner.to_bytes(value, media_type)

    def output_media_type(self, offer: str) -> str:
        return self.inner.output_media_type(offer)

    def validate(self, value: Any) -> Any:
        return None if value is None else self.inner.validate(value)

    def describe(self) -> dict[str, Any]:
        return {**self.inner.describe(), "nullable": True}

    def _options(self) -> dict[str, Any]:
        return {"inner": self.inner.describe()}

    def __repr__(self) -> str:
        return f"Nullable({self.inner!r})"


_JSON_KINDS = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def json_kind(value: Any) -> str:
    """How a JSON value reads in an error message: "an object", "a string", ..."""
    return _JSON_KINDS.get(type(value), type(value).__name__)
