"""System endpoints: health, readiness, metrics, schemas and the docs page."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from tiffin.exceptions import MethodNotAllowed
from tiffin.io._json import dumps
from tiffin.server import _metrics

if TYPE_CHECKING:
    from tiffin.server._app import ASGIApp, Receive, Scope, Send, ServiceApp

__all__ = ["dynamic_route", "system_routes"]

_Handler = Callable[["ServiceApp", "Scope"], Coroutine[Any, Any, tuple[int, bytes, bytes]]]
_JSON = b"application/json"


def system_routes(app: ServiceApp) -> dict[str, ASGIApp]:
    """The system endpoints by path, as ASGI callables bound to ``app``."""
    handlers: dict[str, _Handler] = {
        "/livez": _live,
        "/healthz": _live,
        "/readyz": _ready,
        "/metrics": _metrics_page,
        "/schema.json": _schema,
        "/docs.json": _openapi,
        "/docs": _docs,
        "/": _docs,
    }
    return {path: _endpoint(app, handler) for path, handler in handlers.items()}


def dynamic_route(app: ServiceApp, path: str) -> ASGIApp | None:
    """Routes with parameters in the path (the Open Inference Protocol), or None."""
    if path.startswith("/v2"):
        from tiffin.server._oip import oip_route

        return oip_route(app, path)
    return None


def _endpoint(app: ServiceApp, handler: _Handler) -> ASGIApp:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        from tiffin.server._app import Request

        request = Request(scope)
        if scope["method"] not in ("GET", "HEAD"):
            error = MethodNotAllowed(f"{scope['path']} answers GET, not {scope['method']}.")
            await app.respond_error(send, error, request)
            return
        status, body, media = await handler(app, scope)
        await app.respond(send, status, body, media, request.request_id)

    return endpoint


async def _live(app: ServiceApp, scope: Scope) -> tuple[int, bytes, bytes]:
    return 200, dumps({"status": "alive"}), _JSON


async def _ready(app: ServiceApp, scope: Scope) -> tuple[int, bytes, bytes]:
    report = await readiness(app)
    return (200 if report["ready"] else 503), dumps(report), _JSON


async def readiness(app: ServiceApp) -> dict[str, Any]:
    """Whether this worker (and, under a supervisor, every worker) can serve, and why not."""
    checks: dict[str, Any] = {"service": app.state.value}
    if app.failure:
        checks["error"] = app.failure
    ready = app.state.value == "ready"
    if ready:
        runners = {runner.name: runner.info() for runner in app.runners}
        not_ready = {name: info for name, info in runners.items() if not info["ready"]}
        if not_ready:
            checks["runners"] = {n: info["error"] or info["state"] for n, info in not_ready.items()}
            ready = False
        custom = await _custom_readiness(app.instance)
        if custom is not None:
            checks["__is_ready__"] = custom
            ready = ready and custom
    if app.cluster is not None:
        up, expected = app.cluster.workers_ready()
        checks["workers"] = {"ready": up, "expected": expected}
        ready = ready and up >= expected > 0
    return {"ready": ready, "status": "ready" if ready else "not_ready", "checks": checks}


async def _custom_readiness(instance: Any) -> bool | None:
    check = getattr(instance, "__is_ready__", None)
    if check is None:
        return None
    try:
        if inspect.iscoroutinefunction(check):
            return bool(await check())
        return bool(await asyncio.get_running_loop().run_in_executor(None, check))
    except Exception:
        return False


async def _metrics_page(app: ServiceApp, scope: Scope) -> tuple[int, bytes, bytes]:
    app.publish_metrics()
    body = await asyncio.get_running_loop().run_in_executor(None, _metrics.render)
    return 200, body, b"text/plain; version=0.0.4; charset=utf-8"


async def _schema(app: ServiceApp, scope: Scope) -> tuple[int, bytes, bytes]:
    return 200, _cached(app, "schema"), _JSON


async def _openapi(app: ServiceApp, scope: Scope) -> tuple[int, bytes, bytes]:
    return 200, _cached(app, "openapi"), _JSON


async def _docs(app: ServiceApp, scope: Scope) -> tuple[int, bytes, bytes]:
    from tiffin.server._docs import docs_page

    return 200, docs_page(app.definition.name), b"text/html; charset=utf-8"


@functools.lru_cache(maxsize=64)
def _render(definition: Any, kind: str) -> bytes:
    from tiffin.server._schema import openapi_document, service_schema

    build = service_schema if kind == "schema" else openapi_document
    return dumps(build(definition))


def _cached(app: ServiceApp, kind: str) -> bytes:
    return _render(app.definition, kind)
