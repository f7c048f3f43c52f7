"""``Text``: a string, as a JSON string or a ``text/plain`` body."""

from __future__ import annotations

from typing import Any

from tiffin.exceptions import BadInput
from tiffin.io._base import IODescriptor, json_kind
from tiffin.io._media import TEXT, parameters_of

__all__ = ["Text"]


class Text(IODescriptor):
    """A ``str``: a JSON string, or a ``text/plain`` body (UTF-8 unless a charset is given).

    Example::

        def summarize(self, text: Text) -> Text: ...
    """

    __slots__ = ()

    _kind = "text"
    _media_types = (TEXT,)

    def from_json(self, value: Any) -> str:
        if type(value) is not str:
            raise BadInput(
                f"expected a string, received {json_kind(value)}.",
                details={"expected": "a string", "received": json_kind(value)},
            )
        return value

    def from_text(self, text: str) -> str:
        return text

    def from_bytes(self, body: bytes, content_type: str) -> str:
        charset = parameters_of(content_type).get("charset", "utf-8")
        try:
            return body.decode(charset)
        except (UnicodeDecodeError, LookupError) as exc:
            raise BadInput(
                f"the text body is not valid {charset} ({exc}); send UTF-8 or name the charset "
                "in Content-Type.",
                details={"charset": charset},
            ) from None

    def to_bytes(self, value: Any, media_type: str) -> bytes:
        return str(value).encode("utf-8")

    def output_media_type(self, offer: str) -> str:
        return f"{TEXT}; charset=utf-8"

    def validate(self, value: Any) -> str:
        return self.from_json(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string"}
