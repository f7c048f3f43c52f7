"""The body binding rule: from a request (or an in-process call) to the API's keyword arguments.

The rule, for a JSON body:

1. A JSON object whose keys are all parameter names, including every required one, binds by
   name: ``{"input_data": [[1, 2]]}``.
2. Otherwise an API with exactly one required parameter receives the whole body as that
   parameter: ``{}`` or ``{"model_name": "x"}`` posted to ``predict(self, input_data: JSON)``
   arrives as ``input_data``.
3. Parameters with defaults are optional; an API without parameters takes an empty body,
   ``{}`` or ``null``. Anything else is a 400 naming the missing and unknown fields.

A binary body (``application/x-npy``, ``image/png``, ...) binds to the single required
parameter (or the only parameter); ``multipart/form-data`` and urlencoded forms bind one part
or field per parameter, and a query string binds by name too.

Everything that does not depend on the request is computed when the spec is built, so binding
``{"input_data": [[5.1, 3.5, 1.4, 0.2]]}`` costs a JSON parse, a key check and one
``numpy.asarray``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from tiffin.exceptions import BadInput, ConfigurationError, UnsupportedMediaType
from tiffin.io import _json
from tiffin.io._base import IODescriptor
from tiffin.io._errors import bad_json, decode, field_list, in_field, mismatch, whole_body_error
from tiffin.io._media import JSON, MULTIPART, OCTET, TEXT, URLENCODED, media_type_of
from tiffin.io._multipart import Part, parse_multipart
from tiffin.io._param import Param, params_of

__all__ = ["InputSpec", "Param", "Query"]

#: A query string as ASGI gives it (``bytes``), as text, or already split into fields.
Query = Mapping[str, str] | bytes | str | None


_JSON_STARTS = (b"{", b"[")


class InputSpec:
    """How an API's parameters are read from requests; build with :meth:`from_function`.

    ``bind`` is the single entry point for HTTP; ``validate_call`` checks in-process calls.
    """

    __slots__ = (
        "_binary",
        "_decoders",
        "_descriptors",
        "_names",
        "_required",
        "_single",
        "_validators",
        "params",
    )

    def __init__(self, params: Iterable[Param]) -> None:
        self.params: tuple[Param, ...] = tuple(params)
        self._names = frozenset(param.name for param in self.params)
        if len(self._names) != len(self.params):
            raise ConfigurationError("API parameter names must be unique.")
        self._required = frozenset(param.name for param in self.params if param.required)
        self._descriptors = {param.name: param.descriptor for param in self.params}
        self._decoders = {
            name: descriptor.from_json for name, descriptor in self._descriptors.items()
        }
        self._validators = {
            name: descriptor.validate for name, descriptor in self._descriptors.items()
        }
        required = [param for param in self.params if param.required]
        self._single = required[0] if len(required) == 1 else None
        self._binary = self._single or (self.params[0] if len(self.params) == 1 else None)

    @classmethod
    def from_function(cls, func: Callable[..., Any], *, skip_self: bool | None = None) -> InputSpec:
        """The spec of ``func``'s parameters; ``skip_self=None`` skips a first parameter named
        ``self`` or ``cls``. Raises ``ConfigurationError`` for parameters that cannot be bound."""
        return cls(params_of(func, skip_self=skip_self))

    @property
    def names(self) -> frozenset[str]:
        """The parameter names."""
        return self._names

    @property
    def required(self) -> frozenset[str]:
        """The names of the parameters without defaults."""
        return self._required

    @property
    def media_types(self) -> tuple[str, ...]:
        """The request Content-Types this API reads."""
        forms = (MULTIPART, URLENCODED) if self.params else ()
        binary = self._binary.descriptor.describe()["media_types"] if self._binary else []
        return (JSON, *forms, *binary)

    # -- HTTP ---------------------------------------------------------------------------

    def bind(
        self,
        body: bytes,
        content_type: str | None = None,
        query: Query = None,
    ) -> dict[str, Any]:
        """Keyword arguments from a request body (chosen by Content-Type) or, when the body is
        empty, from the query string (raw, as ASGI's ``scope["query_string"]``, or a mapping).
        Raises ``BadInput`` (400) or ``UnsupportedMediaType`` (415).
        """
        media = media_type_of(content_type)
        if media == URLENCODED and body.lstrip()[:1] in _JSON_STARTS:
            # `curl -d '{"x": 1}'` labels JSON as a form; no form body starts like this.
            media = JSON
        if media is None or media == JSON or media.endswith("+json"):
            if not body:
                return self.bind_query(query) if query else self.bind_json({})
            try:
                document = _json.loads(body)
            except _json.JSONDecodeError as exc:
                raise bad_json(exc) from None
            return self.bind_json(document)
        if media == MULTIPART:
            return self.bind_multipart(body, content_type or MULTIPART)
        if media == URLENCODED:
            return self.bind_form(body)
        return self.bind_bytes(body, content_type or OCTET)

    def bind_json(self, document: Any) -> dict[str, Any]:
        """Keyword arguments from a parsed JSON body, by the binding rule."""
        if (
            type(document) is dict
            and document.keys() <= self._names
            and self._required <= document.keys()
        ):
            return self._decode_fields(document)
        if self._single is not None:
            return {self._single.name: self._whole_body(self._single, document)}
        if document is None and not self._required:
            return {}
        raise mismatch(self.params, document)

    def bind_bytes(self, body: bytes, content_type: str) -> dict[str, Any]:
        """Keyword arguments from a binary body, given to the single required parameter."""
        media = media_type_of(content_type) or OCTET
        target = self._binary
        if target is None:
            raise UnsupportedMediaType(
                f"A {media} body fills a single parameter, and this API takes "
                f"{field_list(self.params)}: send a JSON object with those fields, or "
                "multipart/form-data with one part per parameter."
            )
        if not target.descriptor.accepts(media):
            raise UnsupportedMediaType(
                f"This API does not read {media} bodies; it reads {', '.join(self.media_types)}.",
                details={"received": media, "accepted": list(self.media_types)},
            )
        return {target.name: decode(target.name, target.descriptor.from_bytes, body, content_type)}

    def bind_multipart(self, body: bytes, content_type: str) -> dict[str, Any]:
        """Keyword arguments from ``multipart/form-data``: one part per parameter.

        A single part whose name is not a parameter fills the single required parameter.
        """
        parts: dict[str, Part] = {}
        for part in parse_multipart(body, content_type):
            if part.name in parts:
                raise BadInput(f'The multipart body has two parts named "{part.name}"; send one.')
            parts[part.name] = part
        if not (parts.keys() <= self._names and self._required <= parts.keys()):
            if self._single is None or len(parts) != 1:
                raise mismatch(self.params, parts, "multipart body")
            parts = {self._single.name: next(iter(parts.values()))}
        descriptors = self._descriptors
        return {name: _decode_part(name, descriptors[name], part) for name, part in parts.items()}

    def bind_form(self, body: bytes) -> dict[str, Any]:
        """Keyword arguments from an ``application/x-www-form-urlencoded`` body."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("The form body is not UTF-8; encode it as UTF-8.") from None
        return self._bind_texts(_parse_pairs(text, "form body"), "form")

    def bind_query(self, query: Query) -> dict[str, Any]:
        """Keyword arguments from query parameters (values parsed from text).

        ``query`` is the raw query string (``bytes`` or ``str``) or a mapping of its fields.
        """
        if isinstance(query, (bytes, bytearray)):
            query = query.decode("latin-1")
        if isinstance(query, str):
            query = _parse_pairs(query, "query string")
        return self._bind_texts(query or {}, "query string")

    # -- in-process -----------------------------------------------------------------------

    def validate_call(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Check an in-process call's arguments; returns them as keyword arguments."""
        if len(args) > len(self.params):
            raise TypeError(f"takes {len(self.params)} arguments, {len(args)} were given")
        bound = {param.name: value for param, value in zip(self.params, args, strict=False)}
        for name, value in kwargs.items():
            if name in bound or name not in self._names:
                reason = "multiple values for" if name in bound else "an unexpected keyword"
                raise TypeError(f"got {reason} argument {name!r}")
            bound[name] = value
        missing = self._required - bound.keys()
        if missing:
            raise TypeError(f"missing required arguments: {', '.join(sorted(missing))}")
        validators = self._validators
        return {name: decode(name, validators[name], value) for name, value in bound.items()}

    # -- description ----------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        """JSON Schema of a JSON request body (including the whole-body alternative)."""
        by_name: dict[str, Any] = {
            "type": "object",
            "properties": {param.name: param.json_schema() for param in self.params},
            "required": [param.name for param in self.params if param.required],
            "additionalProperties": False,
        }
        if self._single is None:
            return by_name if self._required else {"anyOf": [by_name, {"type": "null"}]}
        return {
            "anyOf": [by_name, self._single.descriptor.json_schema()],
            "description": (
                f'An object with the parameters by name, or the value of "{self._single.name}" '
                "itself."
            ),
        }

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of the parameters, for ``/schema.json`` and clients."""
        return {
            "params": [param.describe() for param in self.params],
            "media_types": list(self.media_types),
            "schema": self.json_schema(),
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InputSpec) and other.params == self.params

    def __hash__(self) -> int:
        return hash(self.params)

    def __repr__(self) -> str:
        return f"InputSpec({list(self.params)!r})"

    # -- internals ------------------------------------------------------------------------

    def _decode_fields(self, document: dict[str, Any]) -> dict[str, Any]:
        decoders = self._decoders
        kwargs = {}
        name = ""
        try:
            for name, value in document.items():
                kwargs[name] = decoders[name](value)
        except BadInput as exc:
            raise in_field(name, exc) from None
        return kwargs

    def _whole_body(self, param: Param, document: Any) -> Any:
        try:
            return param.descriptor.from_json(document)
        except BadInput as exc:
            raise whole_body_error(self.params, param, document, exc) from None

    def _bind_texts(self, fields: Mapping[str, str], where: str) -> dict[str, Any]:
        if not (fields.keys() <= self._names and self._required <= fields.keys()):
            raise mismatch(self.params, dict(fields), where)
        descriptors = self._descriptors
        return {
            name: decode(name, descriptors[name].from_text, text) for name, text in fields.items()
        }


def _parse_pairs(text: str, where: str) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise BadInput(f"The {where} repeats a field; send each parameter once.")
    return fields


def _decode_part(name: str, descriptor: IODescriptor, part: Part) -> Any:
    media = media_type_of(part.content_type)
    if media == JSON or (media is not None and media.endswith("+json")):
        try:
            document = _json.loads(part.data)
        except _json.JSONDecodeError as exc:
            raise in_field(name, bad_json(exc)) from None
        return decode(name, descriptor.from_json, document)
    if part.filename is None and media in (None, TEXT):
        try:
            text = part.data.decode("utf-8")
        except UnicodeDecodeError:
            raise in_field(name, BadInput("the form field is not UTF-8 text.")) from None
        return decode(name, descriptor.from_text, text)
    if not descriptor.accepts(media or OCTET):
        raise BadInput(
            f'Parameter "{name}": a part of type {media or OCTET} cannot fill it; send one of '
            f"{', '.join(descriptor.media_types) or 'JSON'}.",
            details={"field": name, "received": media, "accepted": list(descriptor.media_types)},
        )
    return decode(name, descriptor.from_bytes, part.data, part.content_type or OCTET)
