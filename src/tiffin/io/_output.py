"""How an API's result is written: content negotiation, JSON by default, and streams."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tiffin.exceptions import ConfigurationError, TiffinError
from tiffin.io import _json
from tiffin.io._base import IODescriptor
from tiffin.io._hints import type_hints
from tiffin.io._media import JSON, NDJSON, SSE, TEXT, negotiate
from tiffin.io._resolve import descriptor_for
from tiffin.io._stream import Stream
from tiffin.io._text import Text

__all__ = ["OutputSpec"]

_TEXT_UTF8 = f"{TEXT}; charset=utf-8"


class OutputSpec:
    """How an API's return value is rendered; build with :meth:`from_function`.

    ``render`` writes a value as JSON unless ``Accept`` asks for a binary form the result
    type has (``.npy``, Arrow, an image type, ...). Streams (generator results) are written
    chunk by chunk: the server iterates the generator and calls ``render_chunk`` with the
    media type from ``stream_media_type``.
    """

    __slots__ = ("_offers", "descriptor")

    def __init__(self, descriptor: IODescriptor) -> None:
        self.descriptor = descriptor
        if isinstance(descriptor, Stream):
            text = (TEXT,) if isinstance(descriptor.item, Text) else ()
            self._offers: tuple[str, ...] = (NDJSON, SSE, *text)
        else:
            self._offers = (JSON, *descriptor.media_types)

    @classmethod
    def from_function(cls, func: Callable[..., Any]) -> OutputSpec:
        """The spec of ``func``'s return annotation; generator functions always stream."""
        annotation = type_hints(func).get("return", inspect.Parameter.empty)
        descriptor = descriptor_for(annotation, result=True)
        unwrapped = inspect.unwrap(func)
        is_async = inspect.isasyncgenfunction(unwrapped)
        if (is_async or inspect.isgeneratorfunction(unwrapped)) and not isinstance(
            descriptor, Stream
        ):
            descriptor = Stream(descriptor, is_async=is_async)
        return cls(descriptor)

    @property
    def is_stream(self) -> bool:
        """Whether the result is a stream (the API is a generator)."""
        return isinstance(self.descriptor, Stream)

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media types a result can be written as; the first is the default."""
        return self._offers

    def render(self, value: Any, accept: str | None = None) -> tuple[bytes, str]:
        """The response body and its Content-Type for ``value``, negotiated by ``accept``."""
        if self.is_stream:
            raise ConfigurationError("A stream is rendered chunk by chunk, with render_chunk.")
        media = negotiate(accept, self._offers) if accept else JSON
        if media == JSON:
            return self._dumps(self.descriptor.to_json(value)), JSON
        media = self.descriptor.output_media_type(media)
        return self.descriptor.to_bytes(value, media), media

    def stream_media_type(self, accept: str | None = None) -> str:
        """The Content-Type of a stream: NDJSON unless ``accept`` asks for SSE (or text)."""
        media = negotiate(accept, self._offers) if self.is_stream else NDJSON
        return _TEXT_UTF8 if media == TEXT else media

    def render_chunk(self, item: Any, media_type: str) -> bytes:
        """One streamed item: an NDJSON line, an SSE ``data:`` event, or raw text."""
        descriptor = (
            self.descriptor.item if isinstance(self.descriptor, Stream) else self.descriptor
        )
        if media_type in (_TEXT_UTF8, TEXT):
            return str(item).encode("utf-8")
        data = self._dumps(descriptor.to_json(item))
        if media_type == SSE:
            return b"data: " + data + b"\n\n"
        return data + b"\n"

    def json_schema(self) -> dict[str, Any]:
        """JSON Schema of the JSON result (of each item, for a stream)."""
        return self.descriptor.json_schema()

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of the result, for ``/schema.json`` and clients."""
        return {
            "io": self.descriptor.describe(),
            "stream": self.is_stream,
            "media_types": list(self._offers),
            "schema": self.json_schema(),
        }

    def __repr__(self) -> str:
        return f"OutputSpec({self.descriptor!r})"

    @staticmethod
    def _dumps(value: Any) -> bytes:
        try:
            return _json.dumps(value)
        except TypeError as exc:
            raise TiffinError(
                f"The API's result cannot be written as JSON ({exc}); return JSON data, numpy "
                "values, or a type with a tiffin.io descriptor."
            ) from None
