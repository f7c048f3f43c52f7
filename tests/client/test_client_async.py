"""``AsyncHTTPClient`` against a service in this process (over ``httpx.ASGITransport``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import numpy as np
import pytest

import tiffin
from tiffin import exceptions
from tiffin.client import AsyncHTTPClient
from tiffin.io import JSON, NumpyNdarray
from tiffin.testing import TestClient

T = TypeVar("T")


@tiffin.service
class Toolbox:
    def __init__(self) -> None:
        self.busy_until_call = 1

    @tiffin.api
    async def add(self, a: int, b: int = 10) -> int:
        return a + b

    @tiffin.api
    def double(self, x: NumpyNdarray) -> NumpyNdarray:
        return x * 2

    @tiffin.api
    def describe(self, x: NumpyNdarray) -> JSON:
        return {"dtype": str(x.dtype)}

    @tiffin.api
    def refuse(self) -> JSON:
        raise exceptions.BadInput("no", details={"why": "test"})

    @tiffin.api
    def flaky(self) -> JSON:
        if self.busy_until_call > 0:
            self.busy_until_call -= 1
            raise exceptions.ServiceUnavailable("busy", retry_after=3)
        return "ok"

    @tiffin.api
    async def count(self, n: int) -> AsyncIterator[int]:
        for i in range(n):
            yield i

    @tiffin.api
    async def broken_stream(self) -> AsyncIterator[int]:
        yield 1
        raise exceptions.BadInput("item 2 is bad")


class Recording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def server() -> Iterator[TestClient]:
    with TestClient(Toolbox) as server:
        yield server


@pytest.fixture
def run(server: TestClient) -> Callable[..., Any]:
    """Runs ``scenario(client, wire)`` on a fresh event loop with a connected client."""

    def run(scenario: Callable[[AsyncHTTPClient, Recording], Awaitable[T]], **kw: Any) -> T:
        async def main() -> T:
            wire = Recording(httpx.ASGITransport(app=server.app))
            async with AsyncHTTPClient("http://testserver", transport=wire, **kw) as client:
                return await scenario(client, wire)

        return asyncio.run(main())

    return run


def test_apis_are_awaitable_methods_with_positional_and_keyword_arguments(
    run: Callable[..., Any],
) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> Any:
        return [await client.add(1), await client.add(1, 2), await client.add(a=1, b=3)]

    assert run(scenario) == [11, 3, 4]


def test_numpy_argument_is_sent_as_npy(run: Callable[..., Any]) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> Any:
        result = await client.describe(np.zeros(3, dtype="float16"))
        return result, wire.requests[-1].headers["content-type"]

    assert run(scenario) == ({"dtype": "float16"}, "application/x-npy")


def test_ndarray_result_comes_back_as_an_array(run: Callable[..., Any]) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> Any:
        return await client.double(np.array([1.5, 2.0]))

    result = run(scenario)
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, [3.0, 4.0])


def test_error_raises_the_matching_exception_with_details_and_request_id(
    run: Callable[..., Any],
) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> Any:
        with pytest.raises(exceptions.BadInput, match="no") as caught:
            await client.refuse()
        return caught.value

    error = run(scenario)
    assert error.details == {"why": "test"}
    assert error.request_id


def test_unknown_api_raises_not_found_once_connected(run: Callable[..., Any]) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> None:
        with pytest.raises(exceptions.NotFound, match="no API 'predict'"):
            client.predict  # noqa: B018

    run(scenario)


def test_503_is_retried_after_the_servers_retry_after(
    run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float, *args: Any) -> Any:
        waits.append(delay)
        return await real_sleep(0)

    monkeypatch.setattr("tiffin.client._http.asyncio.sleep", sleep)

    async def scenario(client: AsyncHTTPClient, wire: Recording) -> Any:
        return await client.flaky()

    assert run(scenario, retries=1) == "ok"
    assert waits == [3.0]


def test_stream_yields_items(run: Callable[..., Any]) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> Any:
        return [item async for item in client.stream("count", 3)]

    assert run(scenario) == [0, 1, 2]


def test_calling_a_streaming_api_returns_all_items(run: Callable[..., Any]) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> Any:
        return await client.count(2)

    assert run(scenario) == [0, 1]


def test_error_item_in_a_stream_raises_its_exception(run: Callable[..., Any]) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> list[int]:
        seen: list[int] = []
        with pytest.raises(exceptions.BadInput, match="item 2 is bad"):
            async for item in client.stream("broken_stream"):
                seen.append(item)
        return seen

    assert run(scenario) == [1]


def test_wait_ready_returns_once_ready(run: Callable[..., Any]) -> None:
    async def scenario(client: AsyncHTTPClient, wire: Recording) -> bool:
        await client.wait_ready(timeout=5)
        return await client.is_ready()

    assert run(scenario) is True


class _Refusing(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)


def test_wait_ready_gives_up_with_service_unavailable() -> None:
    async def main() -> None:
        client = AsyncHTTPClient("http://testserver", transport=_Refusing())
        try:
            assert not await client.is_ready()
            with pytest.raises(exceptions.ServiceUnavailable, match="not ready within"):
                await client.wait_ready(timeout=0.05, interval=0.01)
        finally:
            await client.close()

    asyncio.run(main())
