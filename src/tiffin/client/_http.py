"""``SyncHTTPClient`` and ``AsyncHTTPClient``: a running service's APIs as methods.

    client = tiffin.SyncHTTPClient("http://127.0.0.1:3000")
    client.wait_ready(30)
    client.classify(input_data=np.array([[5.1, 3.5, 1.4, 0.2]]))

The APIs come from the server's ``/schema.json``. numpy arrays and pandas frames travel in
binary form (``.npy``, Arrow) when the API accepts it; errors come back as the
``tiffin.exceptions`` class matching the status.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from tiffin.client._codec import API, decode, decode_lines, error_for, retry_delay
from tiffin.exceptions import NotFound, ServiceUnavailable

__all__ = ["AsyncHTTPClient", "SyncHTTPClient"]


class _Base:
    def __init__(self, url: str, *, api_key: str | None, retries: int) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._apis: dict[str, API] | None = None

    def _set_schema(self, schema: Any) -> dict[str, API]:
        self._apis = {entry["name"]: API.from_schema(entry) for entry in schema["apis"]}
        return self._apis

    def _api(self, apis: dict[str, API], name: str) -> API:
        try:
            return apis[name]
        except KeyError:
            known = ", ".join(apis) or "none"
            raise NotFound(
                f"The service at {self.url} has no API {name!r}; its APIs: {known}."
            ) from None

    def _request(self, api: API, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        body, headers = api.encode(api.arguments(args, kwargs))
        method = "POST" if "POST" in api.methods else api.methods[0]
        return {"method": method, "url": api.route, "content": body, "headers": headers}


class SyncHTTPClient(_Base):
    """A blocking client for a tiffin service.

    Args:
        url: the server's base URL.
        timeout: seconds per request.
        api_key: sent as a bearer token, for services with ``auth``.
        retries: how many times a 503/429 is retried, honouring ``Retry-After``.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        api_key: str | None = None,
        retries: int = 0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url, api_key=api_key, retries=retries)
        self._http = httpx.Client(
            base_url=self.url, timeout=timeout, headers=self._headers, transport=transport
        )

    @property
    def apis(self) -> dict[str, API]:
        """The service's APIs by name (read from ``/schema.json`` on first use)."""
        if self._apis is None:
            response = self._http.get("/schema.json")
            _check(response)
            return self._set_schema(response.json())
        return self._apis

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the API ``name`` with its parameters, positionally or by name."""
        api = self._api(self.apis, name)
        request = self._request(api, args, kwargs)
        if api.stream:
            return self._stream(request)
        for attempt in range(self.retries + 1):
            response = self._http.request(**request)
            delay = retry_delay(response.status_code, response.headers.get("retry-after"), attempt)
            if delay is None or attempt == self.retries:
                break
            time.sleep(delay)
        _check(response)
        return decode(response.content, response.headers.get("content-type", ""))

    def _stream(self, request: dict[str, Any]) -> Iterator[Any]:
        with self._http.stream(**request) as response:
            if response.status_code >= 400:
                response.read()
                _check(response)
            yield from decode_lines(response.iter_lines())

    def is_ready(self) -> bool:
        try:
            return self._http.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def wait_ready(self, timeout: float = 60.0, interval: float = 0.1) -> None:
        """Block until ``/readyz`` says ready; raise ``ServiceUnavailable`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if time.monotonic() > deadline:
                raise ServiceUnavailable(f"{self.url} was not ready within {timeout:g} s.")
            time.sleep(interval)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        self._api(self.apis, name)
        return functools.partial(self.call, name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(self._apis or {})})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncHTTPClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SyncHTTPClient({self.url!r})"


class AsyncHTTPClient(_Base):
    """The asyncio twin of :class:`SyncHTTPClient`: ``await client.classify(x)``.

    The API table is read by ``await client.connect()`` (or ``async with``).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        api_key: str | None = None,
        retries: int = 0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(url, api_key=api_key, retries=retries)
        self._http = httpx.AsyncClient(
            base_url=self.url, timeout=timeout, headers=self._headers, transport=transport
        )

    async def connect(self) -> dict[str, API]:
        """Read the service's APIs from ``/schema.json``."""
        if self._apis is None:
            response = await self._http.get("/schema.json")
            _check(response)
            return self._set_schema(response.json())
        return self._apis

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        api = self._api(await self.connect(), name)
        request = self._request(api, args, kwargs)
        for attempt in range(self.retries + 1):
            response = await self._http.request(**request)
            delay = retry_delay(response.status_code, response.headers.get("retry-after"), attempt)
            if delay is None or attempt == self.retries:
                break
            await asyncio.sleep(delay)
        _check(response)
        if api.stream:
            return list(decode_lines(iter(response.text.splitlines())))
        return decode(response.content, response.headers.get("content-type", ""))

    async def stream(self, name: str, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        """Items of a streaming API as they arrive."""
        api = self._api(await self.connect(), name)
        async with self._http.stream(**self._request(api, args, kwargs)) as response:
            if response.status_code >= 400:
                await response.aread()
                _check(response)
            async for line in response.aiter_lines():
                for item in decode_lines(iter([line])):
                    yield item

    async def is_ready(self) -> bool:
        try:
            return (await self._http.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    async def wait_ready(self, timeout: float = 60.0, interval: float = 0.1) -> None:
        deadline = time.monotonic() + timeout
        while not await self.is_ready():
            if time.monotonic() > deadline:
                raise ServiceUnavailable(f"{self.url} was not ready within {timeout:g} s.")
            await asyncio.sleep(interval)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._apis is not None:
            self._api(self._apis, name)
        return functools.partial(self.call, name)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncHTTPClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncHTTPClient({self.url!r})"


def _check(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = response.text
    raise error_for(response.status_code, body)
