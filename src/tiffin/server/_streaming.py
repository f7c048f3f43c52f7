"""Streaming responses: generators and async generators, as NDJSON or server-sent events."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from tiffin.io import OutputSpec
from tiffin.server._errors import error_response
from tiffin.services._secrets import secrets

if TYPE_CHECKING:
    from tiffin.server._app import Request, Send, ServiceApp

__all__ = ["stream_response"]

_DONE = object()


async def stream_response(
    app: ServiceApp, send: Send, output: OutputSpec, result: Any, request: Request
) -> None:
    """Send each item as it is produced; an error mid-stream ends it with an error item."""
    media = output.stream_media_type(request.accept)
    headers = [
        (b"content-type", media.encode()),
        (b"x-request-id", request.request_id.encode("latin-1")),
        (b"cache-control", b"no-cache"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    try:
        async for item in _items(app, result):
            chunk = output.render_chunk(item, media)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except Exception as exc:
        _, body, _ = error_response(exc, request.request_id, secrets.values_for_redaction())
        tail = (
            b"event: error\ndata: " + body + b"\n\n"
            if media == "text/event-stream"
            else body + b"\n"
        )
        await send({"type": "http.response.body", "body": tail, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _items(app: ServiceApp, result: Any) -> AsyncIterator[Any]:
    if hasattr(result, "__aiter__"):
        async for item in result:
            yield item
        return
    iterator: Iterator[Any] = iter(result)
    step = functools.partial(next, iterator, _DONE)
    while True:
        # Each step of a sync generator may block (it runs the model): off the loop.
        item = await app.threads.submit(step)
        if item is _DONE:
            return
        yield item
