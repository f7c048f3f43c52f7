"""``multipart/form-data`` bodies, split into named parts with python-multipart."""

from __future__ import annotations

import dataclasses
from typing import Any

from tiffin.exceptions import BadInput, MissingDependency
from tiffin.io._media import parameters_of
from tiffin.io._optional import require

__all__ = ["Part", "parse_multipart"]


@dataclasses.dataclass(frozen=True)
class Part:
    """One part of a multipart body: a form field (``filename`` is ``None``) or a file."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a ``multipart/form-data`` body, in order."""
    boundary = parameters_of(content_type).get("boundary")
    if not boundary:
        raise BadInput(
            "The multipart body has no boundary in its Content-Type; let your HTTP client "
            "build the multipart request (it adds one)."
        )
    module = _module()
    collector = _Collector(module.parse_options_header)
    parser = module.MultipartParser(boundary, collector.callbacks())
    try:
        parser.write(body)
        parser.finalize()
    except module.MultipartParseError as exc:
        raise BadInput(f"The multipart body is malformed: {exc}.") from None
    if not collector.ended:
        raise BadInput("The multipart body ends before its closing boundary; send it whole.")
    return collector.parts


def _module() -> Any:
    try:
        multipart = require("python_multipart.multipart")
    except MissingDependency:
        multipart = require("multipart.multipart")  # python-multipart < 0.0.13
    return multipart


class _Collector:
    """Callbacks for python-multipart's push parser, accumulating whole parts."""

    def __init__(self, parse_options_header: Any) -> None:
        self._parse_options_header = parse_options_header
        self.parts: list[Part] = []
        self.ended = False
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._data: list[bytes] = []

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_end": self._on_end,
        }

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._data = []

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._data.append(data[start:end])

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _on_part_end(self) -> None:
        _, options = self._parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if name is None:
            raise BadInput(
                "A multipart part has no name; give each part the name of the parameter it fills."
            )
        filename = options.get(b"filename")
        content_type = self._headers.get(b"content-type")
        self.parts.append(
            Part(
                name=name.decode("utf-8", "replace"),
                filename=None if filename is None else filename.decode("utf-8", "replace"),
                content_type=None if content_type is None else content_type.decode("latin-1"),
                data=b"".join(self._data),
            )
        )

    def _on_end(self) -> None:
        self.ended = True
