"""``SyncHTTPClient`` against a service in this process (``TestClient``'s transport)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

import tiffin
from tiffin import exceptions
from tiffin.client import SyncHTTPClient
from tiffin.io import JSON, NumpyNdarray, PandasDataFrame
from tiffin.testing import TestClient, free_port


class MLServiceError(Exception):
    def __init__(self, message: str, status_code: int = 500) -> None:
        self.message = message
        self.status_code = status_code
        super().__init__(message)


@tiffin.service(timeout=0.2)
class Toolbox:
    def __init__(self) -> None:
        self.busy_until_call = 1
        self.release = threading.Event()

    @tiffin.api
    def add(self, a: int, b: int = 10) -> int:
        return a + b

    @tiffin.api
    def double(self, x: NumpyNdarray) -> NumpyNdarray:
        return x * 2

    @tiffin.api
    def describe(self, x: NumpyNdarray) -> JSON:
        return {"dtype": str(x.dtype), "shape": list(x.shape), "total": x.sum()}

    @tiffin.api
    def rows(self, x: NumpyNdarray, scale: float = 1.0) -> JSON:
        return (x * scale).tolist()

    @tiffin.api
    def model(self, name: str) -> JSON:
        raise MLServiceError(f"Model '{name}' not found", 404)

    @tiffin.api
    def crash(self) -> JSON:
        raise RuntimeError("hidden")

    @tiffin.api
    def slow(self) -> JSON:
        self.release.wait(30)
        return "late"

    @tiffin.api
    def flaky(self) -> JSON:
        if self.busy_until_call > 0:
            self.busy_until_call -= 1
            raise exceptions.ServiceUnavailable("busy", retry_after=2)
        return "ok"

    @tiffin.api
    def count(self, n: int) -> Iterator[int]:
        yield from range(n)

    @tiffin.api
    def broken_stream(self) -> Iterator[int]:
        yield 1
        raise exceptions.BadInput("item 2 is bad")


class Recording(httpx.BaseTransport):
    """Passes requests to the server's transport and keeps them, to check what was sent."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)


@pytest.fixture
def server() -> Iterator[TestClient]:
    with TestClient(Toolbox) as server:
        yield server
        server.app.instance.release.set()


@pytest.fixture
def wire(server: TestClient) -> Recording:
    return Recording(server._transport)


@pytest.fixture
def client(server: TestClient, wire: Recording) -> Iterator[SyncHTTPClient]:
    with SyncHTTPClient(str(server.base_url), transport=wire) as client:
        yield client


def test_apis_are_methods_taking_positional_arguments(client: SyncHTTPClient) -> None:
    assert client.add(1, 2) == 3


def test_apis_are_methods_taking_keyword_arguments(client: SyncHTTPClient) -> None:
    assert client.add(a=1, b=5) == 6
    assert client.add(1, b=5) == 6


def test_optional_parameters_may_be_left_out(client: SyncHTTPClient) -> None:
    assert client.add(1) == 11


def test_call_by_name_is_the_same_as_the_method(client: SyncHTTPClient) -> None:
    assert client.call("add", 2, b=2) == client.add(2, b=2) == 4


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        pytest.param((1, 2, 3), {}, "takes 2 arguments, 3 given", id="too-many"),
        pytest.param((1,), {"a": 2}, "two values for 'a'", id="twice"),
        pytest.param((), {"c": 1}, "its parameters are: a, b", id="unknown"),
    ],
)
def test_wrong_arguments_are_a_type_error_before_sending(
    client: SyncHTTPClient, wire: Recording, args: Any, kwargs: Any, fragment: str
) -> None:
    client.apis  # noqa: B018 - read the schema first
    sent = len(wire.requests)
    with pytest.raises(TypeError, match=fragment):
        client.add(*args, **kwargs)
    assert len(wire.requests) == sent


def test_numpy_argument_is_sent_as_npy(client: SyncHTTPClient, wire: Recording) -> None:
    result = client.describe(np.array([[1.5, 2.5]], dtype="float32"))
    assert result == {"dtype": "float32", "shape": [1, 2], "total": 4.0}
    request = wire.requests[-1]
    assert request.headers["content-type"] == "application/x-npy"
    assert request.content.startswith(b"\x93NUMPY")


def test_numpy_argument_beside_others_is_sent_as_json(
    client: SyncHTTPClient, wire: Recording
) -> None:
    assert client.rows(np.array([1, 2]), scale=2.0) == [2.0, 4.0]
    assert wire.requests[-1].headers["content-type"] == "application/json"


def test_ndarray_result_comes_back_as_an_array(client: SyncHTTPClient, wire: Recording) -> None:
    result = client.double(np.arange(6, dtype="int32").reshape(2, 3))
    assert isinstance(result, np.ndarray)
    assert result.dtype == np.int32
    np.testing.assert_array_equal(result, [[0, 2, 4], [6, 8, 10]])
    assert wire.requests[-1].headers["accept"].startswith("application/x-npy")


def test_lists_are_accepted_for_array_parameters(client: SyncHTTPClient) -> None:
    np.testing.assert_array_equal(client.double([[1, 2]]), [[2, 4]])


def test_bad_input_raises_bad_input_with_the_message_and_request_id(
    client: SyncHTTPClient,
) -> None:
    with pytest.raises(exceptions.BadInput) as caught:
        client.add("seven")
    error = caught.value
    assert 'Parameter "a"' in str(error)
    assert error.request_id  # type: ignore[attr-defined]
    assert error.status == 400  # type: ignore[attr-defined]


def test_user_error_status_maps_to_the_matching_exception(client: SyncHTTPClient) -> None:
    with pytest.raises(exceptions.NotFound, match="Model 'iris' not found"):
        client.model("iris")


def test_unexpected_server_error_raises_tiffin_error_with_the_request_id(
    client: SyncHTTPClient,
) -> None:
    with pytest.raises(exceptions.TiffinError) as caught:
        client.crash()
    assert caught.value.request_id in str(caught.value)  # type: ignore[attr-defined]
    assert "hidden" not in str(caught.value)


def test_timeout_raises_timeout(client: SyncHTTPClient) -> None:
    with pytest.raises(exceptions.Timeout):
        client.slow()


def test_unknown_api_raises_not_found_listing_the_apis(client: SyncHTTPClient) -> None:
    with pytest.raises(exceptions.NotFound, match="no API 'predict'; its APIs: add, double"):
        client.predict(1)


def test_private_names_are_plain_attribute_errors(client: SyncHTTPClient) -> None:
    with pytest.raises(AttributeError):
        client._nothing  # noqa: B018


def test_dir_lists_the_apis(client: SyncHTTPClient) -> None:
    client.apis  # noqa: B018
    assert {"add", "double", "count"} <= set(dir(client))


def test_503_is_retried_after_the_servers_retry_after(
    client: SyncHTTPClient, server: TestClient, wire: Recording, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("tiffin.client._http.time.sleep", waits.append)
    retrying = SyncHTTPClient(str(server.base_url), transport=wire, retries=2)
    assert retrying.flaky() == "ok"
    assert waits == [2.0]


def test_503_without_retries_raises_service_unavailable(client: SyncHTTPClient) -> None:
    with pytest.raises(exceptions.ServiceUnavailable, match="busy"):
        client.flaky()


def test_stream_yields_items_as_they_come(client: SyncHTTPClient) -> None:
    assert list(client.count(3)) == [0, 1, 2]


def test_error_item_in_a_stream_raises_its_exception(client: SyncHTTPClient) -> None:
    items = client.broken_stream()
    assert next(items) == 1
    with pytest.raises(exceptions.BadInput, match="item 2 is bad"):
        next(items)


def test_wait_ready_returns_once_the_service_is_ready(client: SyncHTTPClient) -> None:
    client.wait_ready(timeout=5)
    assert client.is_ready()


def test_wait_ready_gives_up_with_service_unavailable() -> None:
    @tiffin.service
    class NeverReady:
        def __is_ready__(self) -> bool:
            return False

    with TestClient(NeverReady) as server:
        client = SyncHTTPClient(str(server.base_url), transport=server._transport)
        assert not client.is_ready()
        with pytest.raises(exceptions.ServiceUnavailable, match="not ready within 0.05 s"):
            client.wait_ready(timeout=0.05, interval=0.01)


def test_is_ready_is_false_when_nothing_listens() -> None:
    with SyncHTTPClient(f"http://127.0.0.1:{free_port()}", timeout=5) as client:
        assert not client.is_ready()


def test_api_key_is_sent_as_a_bearer_token(server: TestClient, wire: Recording) -> None:
    with SyncHTTPClient(str(server.base_url), api_key="k-1", transport=wire) as client:
        client.add(1)
    assert wire.requests[-1].headers["authorization"] == "Bearer k-1"


def test_client_from_the_test_client_reaches_the_same_service(server: TestClient) -> None:
    assert server.api.add(2, 3) == 5


def test_repr_shows_the_url() -> None:
    assert repr(SyncHTTPClient("http://example.invalid:3000/")) == (
        "SyncHTTPClient('http://example.invalid:3000')"
    )


def test_pandas_frame_is_sent_as_arrow() -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")

    @tiffin.service
    class Frames:
        @tiffin.api
        def total(self, frame: PandasDataFrame) -> JSON:
            return {"columns": list(frame.columns), "total": frame.to_numpy().sum()}

    with TestClient(Frames) as server:
        wire = Recording(server._transport)
        client = SyncHTTPClient(str(server.base_url), transport=wire)
        result = client.total(pd.DataFrame({"a": [1, 2], "b": [3, 4]}))
    assert result == {"columns": ["a", "b"], "total": 10}
    assert wire.requests[-1].headers["content-type"] == "application/vnd.apache.arrow.stream"
