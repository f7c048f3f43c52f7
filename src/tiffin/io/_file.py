"""``File``: raw bytes, as base64 in JSON or as the body itself; ``pathlib.Path`` uploads.

A file body may have any media type (a PDF, a WAV, ...); the API receives its bytes.
"""

from __future__ import annotations

import base64
import binascii
import os
import pathlib
import tempfile
import weakref
from typing import Any

from tiffin.exceptions import BadInput, ConfigurationError
from tiffin.io._base import IODescriptor, json_kind
from tiffin.io._media import OCTET

__all__ = ["File", "FilePath", "decode_base64", "read_bytes"]


class File(IODescriptor):
    """Bytes: base64 in JSON, or a binary body / multipart file part of any media type.

    ``mime_type`` is the media type results are sent with (``application/octet-stream`` by
    default). Results may be ``bytes``, a ``pathlib.Path`` or a binary file object.

    Example::

        def transcribe(self, audio: File) -> Text: ...
    """

    __slots__ = ("_mime_type",)

    _kind = "file"
    _media_types = (OCTET,)

    def __init__(self, mime_type: str | None = None) -> None:
        if mime_type is not None and "/" not in mime_type:
            raise ConfigurationError(
                f"mime_type={mime_type!r} is not a media type; use a value such as 'audio/wav'."
            )
        self._mime_type = mime_type

    @property
    def media_types(self) -> tuple[str, ...]:
        mime = self._mime_type
        return (mime, OCTET) if mime is not None and mime != OCTET else (OCTET,)

    def accepts(self, media_type: str) -> bool:
        return True

    def from_json(self, value: Any) -> Any:
        return self._wrap(decode_base64(value))

    def from_text(self, text: str) -> Any:
        return self._wrap(text.encode("utf-8"))

    def from_bytes(self, body: bytes, content_type: str) -> Any:
        return self._wrap(bytes(body))

    def to_json(self, value: Any) -> str:
        return base64.b64encode(read_bytes(value)).decode("ascii")

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        return read_bytes(value)

    def output_media_type(self, offer: str) -> str:
        return offer if offer != "*/*" else self.media_types[0]

    def validate(self, value: Any) -> Any:
        try:
            return self._wrap(read_bytes(value))
        except TypeError as exc:
            raise BadInput(str(exc), details={"expected": "bytes"}) from None

    def json_schema(self) -> dict[str, Any]:
        media = self._mime_type or OCTET
        return {"type": "string", "contentEncoding": "base64", "contentMediaType": media}

    def _options(self) -> dict[str, Any]:
        return {"mime_type": self._mime_type}

    def _wrap(self, data: bytes) -> Any:
        return data


class FilePath(File):
    """A ``pathlib.Path`` parameter: the upload is written to a temporary file.

    The file is removed when the ``Path`` object the API received is garbage-collected.
    """

    __slots__ = ()

    def validate(self, value: Any) -> Any:
        if isinstance(value, pathlib.PurePath):
            return pathlib.Path(value)
        return super().validate(value)

    def _wrap(self, data: bytes) -> Any:
        descriptor, name = tempfile.mkstemp(prefix="tiffin-upload-")
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        path = _UploadedPath(name)
        weakref.finalize(path, _remove, name)
        return path


class _UploadedPath(type(pathlib.Path())):  # type: ignore[misc]
    """A concrete ``Path`` that can carry a finalizer (plain paths have no ``__weakref__``)."""


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def decode_base64(value: Any) -> bytes:
    """Bytes from a base64 string, or from a ``data:<type>;base64,<data>`` URL."""
    if not isinstance(value, str):
        raise BadInput(
            f"expected a base64 string, received {json_kind(value)}.",
            details={"expected": "a base64 string", "received": json_kind(value)},
        )
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadInput(
            f"expected a base64 string, received text that is not base64 ({exc}); encode the "
            "bytes with standard base64, or send them as a binary or multipart body.",
            details={"expected": "a base64 string"},
        ) from None


def read_bytes(value: Any) -> bytes:
    """The bytes of ``bytes``-like values, paths and binary file objects."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, pathlib.PurePath):
        return pathlib.Path(value).read_bytes()
    read = getattr(value, "read", None)
    if callable(read):
        data = read()
        if isinstance(data, bytes):
            return data
    raise TypeError(f"expected bytes, a path or a binary file, received {type(value).__name__}.")
