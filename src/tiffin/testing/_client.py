"""``TestClient``: call a service in-process, over ASGI, with the server's behaviour."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, MutableMapping
from typing import Any, TypeVar

import httpx

from tiffin.client import SyncHTTPClient
from tiffin.exceptions import ServiceUnavailable
from tiffin.server._app import ServiceApp, State
from tiffin.server._settings import ServeConfig
from tiffin.services import definition_of

__all__ = ["TestClient"]

T = TypeVar("T")


class _LoopThread:
    """An event loop in a daemon thread: the app lives there, the test thread calls in."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="tiffin-testclient", daemon=True
        )
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class _Transport(httpx.BaseTransport):
    def __init__(self, app: ServiceApp, loop: _LoopThread) -> None:
        self._asgi = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            request.stream = httpx.ByteStream(request.read())
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        return self._loop.run(send())


class TestClient(httpx.Client):
    """An httpx client wired to a service's ASGI app in this process; no sockets.

        with TestClient(IrisService) as client:
            response = client.post("/classify", json=[[5.1, 3.5, 1.4, 0.2]])
            client.api.classify([[5.1, 3.5, 1.4, 0.2]])

    Entering the block starts the service (``__init__``, runners, start-up hooks) and waits
    until it is ready, raising ``ServiceUnavailable`` with the cause if it fails; leaving it
    runs the shutdown hooks. ``config`` sets server options (timeouts, body limit) as
    ``tiffin serve`` would; ``instance`` serves an object you built.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        service: Any,
        *,
        config: ServeConfig | None = None,
        instance: Any = None,
        ready_timeout: float = 60.0,
    ) -> None:
        definition = definition_of(service)
        self.app = ServiceApp(
            definition, config or ServeConfig(target=definition.import_string), instance=instance
        )
        self.ready_timeout = ready_timeout
        self._loop = _LoopThread()
        self._lifespan: asyncio.Queue[dict[str, Any]] | None = None
        self._outbox: asyncio.Queue[MutableMapping[str, Any]] | None = None
        self._lifespan_task: Any = None
        super().__init__(base_url="http://testserver", transport=_Transport(self.app, self._loop))
        self._api: SyncHTTPClient | None = None

    def __enter__(self) -> TestClient:
        try:
            self._loop.run(self._startup())
            self._wait_started()
        except BaseException:
            # __exit__ will not run: stop the service and the loop thread here.
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._lifespan_task is not None:
            self._loop.run(self._shutdown())
            self._lifespan_task = None
        if not self.is_closed:
            super().close()
            self._loop.close()

    async def _startup(self) -> None:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self._lifespan, self._outbox = inbox, outbox

        async def send(message: MutableMapping[str, Any]) -> None:
            await outbox.put(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        receive: Any = inbox.get
        self._lifespan_task = asyncio.get_running_loop().create_task(self.app(scope, receive, send))
        await inbox.put({"type": "lifespan.startup"})
        reply = await outbox.get()
        if reply["type"] != "lifespan.startup.complete":
            raise ServiceUnavailable(f"The service failed to start: {reply.get('message', '')}")

    async def _shutdown(self) -> None:
        assert self._lifespan is not None
        assert self._outbox is not None
        if self._lifespan_task.done():  # start-up failed: the lifespan has already ended
            return
        await self._lifespan.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        await self._lifespan_task

    def _wait_started(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while self.app.state is State.STARTING:
            if time.monotonic() > deadline:
                raise ServiceUnavailable(
                    f"The service did not start within {self.ready_timeout} s."
                )
            time.sleep(0.005)
        if self.app.state is State.FAILED:
            raise ServiceUnavailable(f"The service failed to start: {self.app.failure}")

    @property
    def api(self) -> SyncHTTPClient:
        """The service's APIs as methods, as :class:`~tiffin.SyncHTTPClient` offers them."""
        if self._api is None:
            self._api = SyncHTTPClient(str(self.base_url), transport=self._transport)
        return self._api
