"""``Image``: a ``PIL.Image.Image``, as base64 in JSON or an ``image/*`` body.

Pillow is imported only when an image is decoded or encoded.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from tiffin.exceptions import BadInput, ConfigurationError
from tiffin.io._base import IODescriptor
from tiffin.io._file import decode_base64, read_bytes
from tiffin.io._media import OCTET
from tiffin.io._optional import is_instance, require

__all__ = ["Image"]

_NO_ALPHA = {"JPEG", "BMP"}


class Image(IODescriptor):
    """A ``PIL.Image.Image``: base64 in JSON, an ``image/*`` body or a multipart file part.

    ``pil_mode`` (e.g. ``"RGB"``) converts received images; ``mime_type`` is the format
    results are written in unless ``Accept`` names another image type.

    Example::

        def detect(self, image: Image(pil_mode="RGB")) -> JSON: ...
    """

    __slots__ = ("_mime_type", "_pil_mode")

    _kind = "image"
    _media_types = ("image/*",)

    def __init__(self, pil_mode: str | None = None, mime_type: str = "image/png") -> None:
        if not mime_type.startswith("image/"):
            raise ConfigurationError(
                f"mime_type={mime_type!r} is not an image type; use e.g. 'image/png'."
            )
        self._pil_mode = pil_mode
        self._mime_type = mime_type

    def from_json(self, value: Any) -> Any:
        return self._decode(decode_base64(value))

    def from_text(self, text: str) -> Any:
        return self.from_json(text)

    def from_bytes(self, body: bytes, content_type: str) -> Any:
        return self._decode(body)

    def to_json(self, value: Any) -> str:
        return base64.b64encode(self.to_bytes(value, self._mime_type)).decode("ascii")

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        image_module = require("PIL.Image")
        image = _as_image(image_module, value)
        image_format = _formats(image_module).get(media_type) or "PNG"
        if image_format in _NO_ALPHA and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format=image_format)
        return buffer.getvalue()

    def accepts(self, media_type: str) -> bool:
        # Pillow recognises formats by content, so an untyped upload is fine too.
        return media_type.startswith("image/") or media_type == OCTET

    def output_media_type(self, offer: str) -> str:
        if offer.endswith("/*"):
            return self._mime_type
        return offer if offer in _formats(require("PIL.Image")) else self._mime_type

    def validate(self, value: Any) -> Any:
        if is_instance(value, "PIL.Image", "Image"):
            return self._convert(value)
        try:
            return self._decode(read_bytes(value))
        except TypeError as exc:
            raise BadInput(str(exc), details={"expected": "an image"}) from None

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "contentEncoding": "base64", "contentMediaType": "image/*"}

    def _options(self) -> dict[str, Any]:
        return {"pil_mode": self._pil_mode, "mime_type": self._mime_type}

    def _decode(self, data: bytes) -> Any:
        image_module = require("PIL.Image")
        try:
            image = image_module.open(io.BytesIO(data))
            image.load()
        except (OSError, ValueError, image_module.DecompressionBombError) as exc:
            raise BadInput(
                f"the image could not be decoded ({exc}); send a PNG, JPEG or another format "
                "Pillow reads.",
                details={"reason": str(exc)},
            ) from None
        return self._convert(image)

    def _convert(self, image: Any) -> Any:
        if self._pil_mode is None or image.mode == self._pil_mode:
            return image
        return image.convert(self._pil_mode)


def _as_image(image_module: Any, value: Any) -> Any:
    if isinstance(value, image_module.Image):
        return value
    if hasattr(value, "__array_interface__"):
        return image_module.fromarray(value)
    raise TypeError(f"expected a PIL image or an array, received {type(value).__name__}.")


_FORMATS: dict[str, str] = {}


def _formats(image_module: Any) -> dict[str, str]:
    """Media type -> Pillow format name, for the formats Pillow can write."""
    if not _FORMATS:
        image_module.init()
        writable = image_module.SAVE
        _FORMATS.update(
            (mime, name) for name, mime in image_module.MIME.items() if name in writable
        )
    return _FORMATS
