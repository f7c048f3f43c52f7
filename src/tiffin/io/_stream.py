"""Streamed results: generators and async generators, sent as NDJSON, SSE or plain text."""

from __future__ import annotations

from typing import Any

from tiffin.exceptions import ConfigurationError
from tiffin.io._base import IODescriptor
from tiffin.io._media import NDJSON, SSE

__all__ = ["Stream"]


class Stream(IODescriptor):
    """The result of a generator or async generator: a stream of ``item`` values.

    Streams are results only; each item is written as one NDJSON line or one SSE event.
    """

    __slots__ = ("is_async", "item")

    _kind = "stream"
    _media_types = (NDJSON, SSE)

    def __init__(self, item: IODescriptor, *, is_async: bool = False) -> None:
        if isinstance(item, Stream):
            raise ConfigurationError("A stream of streams cannot be sent; yield plain values.")
        self.item = item
        self.is_async = is_async

    def from_json(self, value: Any) -> Any:
        raise ConfigurationError(
            "A generator type cannot be an API parameter; streams are results only."
        )

    def to_json(self, value: Any) -> Any:
        return self.item.to_json(value)

    def json_schema(self) -> dict[str, Any]:
        return {**self.item.json_schema(), "x-stream": True}

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "item": self.item.describe(), "async": self.is_async}

    def _options(self) -> dict[str, Any]:
        return {"item": self.item.describe(), "is_async": self.is_async}

    def __repr__(self) -> str:
        return f"Stream({self.item!r}, is_async={self.is_async})"
