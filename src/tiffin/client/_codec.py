"""What both HTTP clients share: the API table from ``/schema.json``, request encoding,
response decoding, and errors rebuilt from the error body."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator, Mapping
from typing import Any

from tiffin import exceptions
from tiffin.io._json import dumps, loads

__all__ = ["API", "decode", "error_for", "retry_delay"]

_NPY = "application/x-npy"
_ARROW = "application/vnd.apache.arrow.stream"
_JSON = "application/json"
_BY_STATUS: dict[int, type[exceptions.TiffinError]] = {
    400: exceptions.BadInput,
    401: exceptions.Unauthorized,
    404: exceptions.NotFound,
    405: exceptions.MethodNotAllowed,
    409: exceptions.Conflict,
    413: exceptions.PayloadTooLarge,
    415: exceptions.UnsupportedMediaType,
    429: exceptions.TooManyRequests,
    503: exceptions.ServiceUnavailable,
    504: exceptions.Timeout,
}


@dataclasses.dataclass(frozen=True)
class API:
    """One API as ``/schema.json`` describes it."""

    name: str
    route: str
    methods: tuple[str, ...]
    params: tuple[Mapping[str, Any], ...]
    output: Mapping[str, Any]
    doc: str | None

    @classmethod
    def from_schema(cls, entry: Mapping[str, Any]) -> API:
        return cls(
            name=entry["name"],
            route=entry["route"],
            methods=tuple(entry["methods"]),
            params=tuple(entry["input"]["params"]),
            output=entry["output"],
            doc=entry.get("doc"),
        )

    @property
    def stream(self) -> bool:
        return bool(self.output.get("stream"))

    def arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Positional arguments bound to parameters in order, then keyword ones."""
        names = [param["name"] for param in self.params]
        if len(args) > len(names):
            raise TypeError(f"{self.name}() takes {len(names)} arguments, {len(args)} given.")
        bound = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key in bound:
                raise TypeError(f"{self.name}() got two values for {key!r}.")
            if key not in names:
                raise TypeError(
                    f"{self.name}() has no parameter {key!r}; its parameters are: "
                    f"{', '.join(names) or 'none'}."
                )
            bound[key] = value
        return bound

    def encode(self, arguments: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The request body and headers: binary for a lone array or frame, JSON otherwise."""
        headers = {"accept": self._accept()}
        if len(arguments) == 1 and len(self.params) == 1:
            (value,) = arguments.values()
            binary = _binary(value, self.params[0]["io"].get("media_types", ()))
            if binary is not None:
                body, media = binary
                return body, {**headers, "content-type": media}
        return dumps(arguments), {**headers, "content-type": _JSON}

    def _accept(self) -> str:
        if self.stream:
            return "application/x-ndjson"
        offered = self.output.get("media_types", ())
        for media in (_NPY, _ARROW):
            if media in offered:
                return f"{media}, {_JSON};q=0.5"
        return _JSON


def _binary(value: Any, media_types: Any) -> tuple[bytes, str] | None:
    kind = type(value).__module__.split(".")[0]
    dtype_kind = getattr(getattr(value, "dtype", None), "kind", "O")
    if kind == "numpy" and _NPY in media_types and dtype_kind != "O":
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return buffer.getvalue(), _NPY
    if kind == "pandas" and _ARROW in media_types:
        import pyarrow as pa

        table = pa.Table.from_pandas(value)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return sink.getvalue().to_pybytes(), _ARROW
    return None


def decode(content: bytes, content_type: str) -> Any:
    """A response body as Python values, by its Content-Type."""
    media = content_type.split(";")[0].strip().lower()
    if media == _NPY:
        import numpy as np

        return np.load(io.BytesIO(content), allow_pickle=False)
    if media == _ARROW:
        import pyarrow as pa

        return pa.ipc.open_stream(content).read_pandas()
    if media.startswith("text/"):
        return content.decode("utf-8")
    if media == _JSON or media.endswith("+json"):
        return loads(content) if content else None
    return content


def decode_lines(lines: Iterator[str]) -> Iterator[Any]:
    """Items of an NDJSON stream; an error item raises its exception."""
    for line in lines:
        if not line.strip():
            continue
        item = loads(line)
        if isinstance(item, dict) and set(item) == {"error"} and isinstance(item["error"], dict):
            raise error_for(500, item)
        yield item


def error_for(status: int, body: Any) -> exceptions.TiffinError:
    """The tiffin exception for an error response, with the server's message and details."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"message": str(body)[:500] or f"HTTP status {status}"}
    known = getattr(exceptions, str(error.get("type")), None)
    cls = known if isinstance(known, type) and issubclass(known, exceptions.TiffinError) else None
    cls = cls or _BY_STATUS.get(status, exceptions.TiffinError)
    exc = cls(str(error.get("message", "")), details=error.get("details"))
    exc.request_id = error.get("request_id")  # type: ignore[attr-defined]
    exc.status = status  # type: ignore[attr-defined]
    return exc


def retry_delay(status: int, retry_after: str | None, attempt: int) -> float | None:
    """Seconds to wait before retrying a 503/429, or None when it should not be retried."""
    if status not in (429, 503):
        return None
    try:
        return min(30.0, float(retry_after)) if retry_after else min(30.0, 0.1 * 2**attempt)
    except ValueError:
        return 1.0
