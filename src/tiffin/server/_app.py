"""``ServiceApp``: the ASGI application that serves one service.

Routing is one dict lookup by path; each API route is an object that reads the body, binds
arguments, runs the method (async on the loop, sync on a bounded thread pool, both under a
deadline), renders the result and records metrics. System endpoints are plain ASGI
callables in the same table.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import functools
import gc
import logging
import secrets as _secrets
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from tiffin.exceptions import (
    BadInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Timeout,
)
from tiffin.runners import Runner, find_runners
from tiffin.server import _metrics
from tiffin.server._access import AccessLog
from tiffin.server._auth import APIKeyCheck
from tiffin.server._cache import ResponseCache, cache_key
from tiffin.server._cluster import Cluster
from tiffin.server._deadlines import Deadlines
from tiffin.server._errors import error_response
from tiffin.server._logging import redact, redact_secrets_in
from tiffin.server._offload import Offload
from tiffin.server._settings import ServeConfig
from tiffin.server._traffic import TrafficGate
from tiffin.services import Endpoint, ServiceDefinition
from tiffin.services._config import CacheConfig
from tiffin.services._instance import apply_environment, run_hooks
from tiffin.services._secrets import secrets

__all__ = ["ServiceApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = redact_secrets_in(logging.getLogger("tiffin.server"))

# Threads running synchronous APIs per worker when the service does not say: enough that a
# slow call does not stall the others, few enough that the GIL is not fought over.
DEFAULT_THREADS = 4
_JSON = b"application/json"
_PUBLISH_EVERY = 1.0


class State(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    STOPPING = "stopping"


class Request:
    """The parts of an HTTP request the framework reads, parsed once from the ASGI scope."""

    __slots__ = ("accept", "api_key", "content_length", "content_type", "request_id")

    def __init__(self, scope: Scope) -> None:
        self.accept: str | None = None
        self.api_key: str | None = None
        self.content_length: int | None = None
        self.content_type: str | None = None
        request_id = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                self.content_type = value.decode("latin-1")
            elif name == b"accept":
                self.accept = value.decode("latin-1")
            elif name == b"content-length":
                self.content_length = int(value) if value.isdigit() else None
            elif name == b"x-request-id":
                request_id = _safe_request_id(value)
            elif name == b"authorization" and value[:7].lower() == b"bearer ":
                self.api_key = value[7:].strip().decode("latin-1")
            elif name == b"x-api-key":
                self.api_key = value.strip().decode("latin-1")
        self.request_id: str = request_id or _secrets.token_hex(8)


def _safe_request_id(value: bytes) -> str | None:
    # Echoed into headers and logs: keep it short and printable.
    text = value[:128].decode("latin-1")
    return text if text.isprintable() and text.strip() else None


class ServiceApp:
    """Serves one service over ASGI.

    ``instance`` serves an already-built service object (tests); otherwise the app builds
    it at start-up, in a thread, while ``/livez`` answers and ``/readyz`` says "starting".
    """

    def __init__(
        self,
        definition: ServiceDefinition,
        config: ServeConfig | None = None,
        *,
        instance: Any = None,
        cluster: Cluster | None = None,
        access_log: AccessLog | None = None,
    ) -> None:
        from tiffin.server._system import system_routes

        self.definition = definition
        self.config = config or ServeConfig(target=definition.import_string)
        self.cluster = cluster
        self.access_log = access_log
        self.timeout = self.config.timeout or definition.config.timeout
        self.state = State.STARTING
        self.failure: str | None = None
        self.instance = instance
        self.runners: list[Runner] = []
        self.model_versions = ""
        traffic = definition.config.traffic
        self.gate = (
            TrafficGate(traffic.max_concurrency, traffic.max_queue)
            if traffic.max_concurrency
            else None
        )
        self.auth = APIKeyCheck(definition.config.auth) if definition.config.auth else None
        self.threads = Offload(definition.config.threads or DEFAULT_THREADS)
        self.api_routes = {ep.route: APIRoute(self, ep) for ep in definition.endpoints}
        self.routes: dict[str, ASGIApp] = {**system_routes(self), **self.api_routes}
        self._init_task: asyncio.Task[None] | None = None
        self._publisher: asyncio.TimerHandle | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            route = self.routes.get(scope["path"])
            if route is None:
                route = self.fallback
            await route(scope, receive, send)
        elif kind == "lifespan":
            await self.lifespan(receive, send)
        else:  # websockets are not served
            await send({"type": "websocket.close", "code": 1000})

    async def fallback(self, scope: Scope, receive: Receive, send: Send) -> None:
        from tiffin.server._system import dynamic_route

        route = dynamic_route(self, scope["path"])
        if route is not None:
            await route(scope, receive, send)
            return
        known = ", ".join(sorted(self.api_routes)) or "none"
        error = NotFound(f"No API at {scope['path']}; this service's APIs are: {known}.")
        await self.respond_error(send, error, Request(scope))

    # -- lifecycle ---------------------------------------------------------------------

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def startup(self) -> None:
        """Check the environment now (missing secrets stop the worker), then build the
        service in the background."""
        apply_environment(self.definition.config)
        for endpoint in self.definition.endpoints:
            if endpoint.config.batchable:
                logger.warning(
                    "API %s is batchable, but this version of tiffin does not batch requests "
                    "yet: each request reaches it as a batch of its own.",
                    endpoint.name,
                )
        loop = asyncio.get_running_loop()
        self._init_task = loop.create_task(self.initialise())
        self._publisher = loop.call_later(_PUBLISH_EVERY, self._publish_periodically)

    def _publish_periodically(self) -> None:
        self.publish_metrics()
        loop = asyncio.get_running_loop()
        self._publisher = loop.call_later(_PUBLISH_EVERY, self._publish_periodically)

    def publish_metrics(self) -> None:
        """Publish every API's request counts and in-flight gauge (each second, and before
        /metrics answers)."""
        for route in self.api_routes.values():
            route.publish_metrics()

    async def initialise(self) -> None:
        """Build the service, start its runners and hooks, then report ready."""
        loop = asyncio.get_running_loop()
        try:
            if self.instance is None:
                self.instance = await loop.run_in_executor(None, self.definition.cls)
            self.runners = find_runners(self.instance)
            for runner in self.runners:
                await loop.run_in_executor(None, runner.init)
            tags = (runner.init_params.get("tag") for runner in self.runners)
            self.model_versions = ",".join(sorted(str(tag) for tag in tags if tag))
            await run_hooks(self.instance, self.definition.startup_hooks)
            for route in self.api_routes.values():
                route.bind(self.instance)
        except Exception as exc:
            # Shown by /readyz and in 503 bodies: never with a secret's value.
            self.failure = redact(f"{type(exc).__name__}: {exc}", secrets.values_for_redaction())
            self.state = State.FAILED
            logger.exception("Service %s failed to start", self.definition.name)
            return
        # Long-lived objects (models) leave the collector's view: full collections over a
        # large heap otherwise show up in tail latency.
        gc.collect()
        gc.freeze()
        self.state = State.READY
        if self.cluster is not None:
            self.cluster.mark_ready()
        logger.info("Service %s is ready", self.definition.name)

    async def shutdown(self) -> None:
        self.state = State.STOPPING
        if self._publisher is not None:
            self._publisher.cancel()
        self.publish_metrics()
        if self._init_task is not None and not self._init_task.done():
            self._init_task.cancel()
        if self.instance is not None:
            try:
                await run_hooks(self.instance, self.definition.shutdown_hooks)
            except Exception:
                logger.exception("A shutdown hook of %s failed", self.definition.name)
        loop = asyncio.get_running_loop()
        for runner in self.runners:
            await loop.run_in_executor(None, runner.shutdown)
        self.threads.shutdown()
        if self.access_log is not None:
            self.access_log.close()

    def check_ready(self) -> None:
        if self.state is State.READY:
            return
        if self.state is State.FAILED:
            raise ServiceUnavailable(f"The service failed to start: {self.failure}")
        if self.state is State.STOPPING:
            raise ServiceUnavailable("The service is shutting down.", retry_after=1)
        raise ServiceUnavailable("The service is starting; retry shortly.", retry_after=1)

    # -- responses ---------------------------------------------------------------------

    async def respond(
        self,
        send: Send,
        status: int,
        body: bytes,
        content_type: bytes,
        request_id: str,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode("latin-1")),
        ]
        if extra:
            headers += extra
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def respond_error(self, send: Send, exc: BaseException, request: Request) -> int:
        status, body, extra = error_response(
            exc, request.request_id, secrets.values_for_redaction()
        )
        await self.respond(send, status, body, _JSON, request.request_id, extra)
        return status


class APIRoute:
    """Answers one API: bind, admit, run under a deadline, render, measure."""

    def __init__(self, app: ServiceApp, endpoint: Endpoint) -> None:
        self.app = app
        self.endpoint = endpoint
        self.name = endpoint.name
        self.methods = frozenset(endpoint.http_methods)
        self.timeout = endpoint.config.timeout or app.timeout
        self.input = endpoint.input
        self.output = endpoint.output
        self.function: Callable[..., Any] | None = None
        self._latency = _metrics.REQUEST_LATENCY.labels(self.name)
        self._in_flight_gauge = _metrics.IN_FLIGHT.labels(self.name)
        self._counters: dict[int, Any] = {}
        # Counted here and published by ServiceApp.publish_metrics (each second and on every
        # scrape): a shared-memory metric update per request costs ~1 µs each.
        self.in_flight = 0
        self.answered: collections.Counter[int] = collections.Counter()
        self.cache = _cache_for(endpoint, app.definition.config.cache)
        self.deadlines = Deadlines(self.timeout, lambda: _timed_out(self.timeout, self.name))

    def bind(self, instance: Any) -> None:
        self.function = getattr(instance, self.endpoint.attribute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request = Request(scope)
        app = self.app
        self.in_flight += 1
        try:
            if scope["method"] not in self.methods:
                raise _not_allowed(scope["method"], self.methods)
            app.check_ready()
            if app.auth is not None:
                app.auth.check(request.api_key)
            body = await read_body(receive, app.config.max_body_size, request.content_length)
            if self.cache is not None:
                status = await self.cached(send, scope, request, body)
            else:
                status = await self.answer(send, scope, request, body)
        except Exception as exc:
            status = await app.respond_error(send, exc, request)
        finally:
            self.in_flight -= 1
        elapsed = time.perf_counter() - started
        self.answered[status] += 1
        self._latency.observe(elapsed)
        if app.access_log is not None:
            app.access_log(
                _client(scope), scope["method"], scope["path"], status, elapsed, request.request_id
            )

    async def result(self, scope: Scope, request: Request, body: bytes) -> Any:
        return await self.run(self.input.bind(body, request.content_type, scope["query_string"]))

    async def answer(self, send: Send, scope: Scope, request: Request, body: bytes) -> int:
        result = await self.result(scope, request, body)
        if self.endpoint.is_stream:
            return await self.stream(send, result, request)
        payload, media = self.output.render(result, request.accept)
        await self.app.respond(send, 200, payload, media.encode(), request.request_id)
        return 200

    async def cached(self, send: Send, scope: Scope, request: Request, body: bytes) -> int:
        assert self.cache is not None
        key = cache_key(
            self.name,
            request.content_type,
            request.accept,
            body,
            self.app.model_versions,
            scope["query_string"],
        )
        hit = self.cache.get(key)
        if hit is None:
            _metrics.CACHE.labels(self.name, "miss").inc()
            hit = self.output.render(await self.result(scope, request, body), request.accept)
            self.cache.put(key, hit)
            outcome = b"miss"
        else:
            _metrics.CACHE.labels(self.name, "hit").inc()
            outcome = b"hit"
        payload, media = hit
        extra = [(b"x-tiffin-cache", outcome)]
        await self.app.respond(send, 200, payload, media.encode(), request.request_id, extra)
        return 200

    def publish_metrics(self) -> None:
        """Move this process's counts into the shared metrics."""
        for status, count in self.answered.items():
            counter = self._counters.get(status)
            if counter is None:
                counter = self._counters[status] = _metrics.REQUESTS.labels(self.name, str(status))
            counter.inc(count)
        self.answered.clear()
        self._in_flight_gauge.set(self.in_flight)

    async def run(self, kwargs: dict[str, Any]) -> Any:
        function = self.function
        assert function is not None
        gate = self.app.gate
        if gate is not None:
            await gate.acquire(self.name)
        if self.endpoint.is_async:
            try:
                if self.endpoint.is_stream:
                    return function(**kwargs)
                return await deadline(function(**kwargs), self.timeout, self.name)
            finally:
                if gate is not None:
                    gate.release()
        return await self._run_sync(function, kwargs, gate)

    async def _run_sync(
        self, function: Callable[..., Any], kwargs: dict[str, Any], gate: TrafficGate | None
    ) -> Any:
        # The slot is freed when the thread is, not when the client gives up: a timed-out
        # call still occupies its thread, and admitting another would oversubscribe.
        call = functools.partial(function, **kwargs)
        future = self.app.threads.submit(call, gate.release if gate is not None else None)
        self.deadlines.add(future)
        return await future

    async def stream(self, send: Send, result: Any, request: Request) -> int:
        from tiffin.server._streaming import stream_response

        await stream_response(self.app, send, self.output, result, request)
        return 200


def _cache_for(endpoint: Endpoint, service: CacheConfig | None) -> ResponseCache | None:
    """The API's cache: on when the API or the whole service asks for one (never streams)."""
    config = service or (CacheConfig() if endpoint.config.cache else None)
    if config is None or endpoint.is_stream:
        return None
    return ResponseCache(config.max_entries, config.ttl)


async def read_body(receive: Receive, limit: int, declared: int | None) -> bytes:
    """The whole request body, refusing more than ``limit`` bytes with 413."""
    if declared is not None and declared > limit:
        raise _too_large(declared, limit)
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > limit:
            raise _too_large(len(body), limit)
        return body
    chunks = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadInput("The client closed the connection before sending the whole body.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body has {size} bytes or more, over this server's limit of {limit}; "
        "send less, or raise it with `tiffin serve --max-body-size`.",
        details={"limit": limit},
    )


def _not_allowed(method: str, allowed: frozenset[str]) -> MethodNotAllowed:
    return MethodNotAllowed(
        f"This API answers {' and '.join(sorted(allowed))}, not {method}.",
        details={"allowed": sorted(allowed)},
    )


if sys.version_info >= (3, 11):

    async def deadline(awaitable: Awaitable[Any], seconds: float, api: str) -> Any:
        try:
            async with asyncio.timeout(seconds):
                return await awaitable
        except TimeoutError:
            raise _timed_out(seconds, api) from None

else:  # pragma: no cover - Python 3.10

    async def deadline(awaitable: Awaitable[Any], seconds: float, api: str) -> Any:
        try:
            return await asyncio.wait_for(awaitable, seconds)
        except asyncio.TimeoutError:
            raise _timed_out(seconds, api) from None


def _timed_out(seconds: float, api: str) -> Timeout:
    _metrics.REJECTIONS.labels(api, "timeout").inc()
    return Timeout(
        f"The API {api} did not finish within {seconds:g} s; raise the service's timeout or "
        "send less work per request."
    )


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"
