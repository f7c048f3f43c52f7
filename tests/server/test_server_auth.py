"""API keys: ``Authorization: Bearer`` or ``X-API-Key`` on every API, not on system endpoints."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import tiffin
from tiffin.testing import TestClient


@tiffin.service(auth={"api_keys_secret": "api_key"})
class Guarded:
    @tiffin.api
    def ping(self) -> str:
        return "pong"


@pytest.fixture
def client() -> Iterator[TestClient]:
    os.environ["API_KEY"] = "key-one, key-two"
    with TestClient(Guarded) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"authorization": "Bearer wrong"}, id="wrong-bearer"),
        pytest.param({"x-api-key": "wrong"}, id="wrong-x-api-key"),
        pytest.param({"authorization": "Basic a2V5LW9uZQ=="}, id="basic"),
        pytest.param({"authorization": "Bearer "}, id="empty-bearer"),
        pytest.param({"x-api-key": "key-one, key-two"}, id="whole-secret"),
        pytest.param({"x-api-key": "key-on"}, id="prefix"),
    ],
)
def test_request_without_a_valid_key_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/ping", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "Unauthorized"
    assert "Authorization: Bearer <key>" in error["message"]
    assert "key-one" not in response.text


def test_401_says_how_to_authenticate_in_www_authenticate(client: TestClient) -> None:
    response = client.post("/ping")
    assert response.headers["www-authenticate"] == 'Bearer realm="tiffin"'


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"authorization": "Bearer key-one"}, id="bearer"),
        pytest.param({"authorization": "bearer key-two"}, id="bearer-lowercase"),
        pytest.param({"x-api-key": "key-two"}, id="x-api-key"),
    ],
)
def test_request_with_any_configured_key_is_served(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.post("/ping", headers=headers)
    assert (response.status_code, response.json()) == (200, "pong")


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/metrics", "/schema.json", "/docs.json"])
def test_system_endpoints_need_no_key(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_the_client_sends_its_api_key_as_a_bearer_token(client: TestClient) -> None:
    api = tiffin.SyncHTTPClient(
        str(client.base_url), api_key="key-two", transport=client._transport
    )
    assert api.ping() == "pong"


def test_schema_says_the_service_needs_a_key(client: TestClient) -> None:
    assert client.get("/schema.json").json()["auth"] is True


class Echo(tiffin.Runnable):
    @tiffin.Runnable.method
    def predict(self, x: object) -> object:
        return x


@tiffin.service(auth={"api_keys_secret": "api_key"})
class GuardedModel:
    model = tiffin.Runner(Echo, name="echo_model")


INFER = {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.0]}]}


def test_open_inference_protocol_inference_needs_a_key() -> None:
    os.environ["API_KEY"] = "key-one"
    with TestClient(GuardedModel) as client:
        refused = client.post("/v2/models/echo_model/infer", json=INFER)
        served = client.post(
            "/v2/models/echo_model/infer", json=INFER, headers={"x-api-key": "key-one"}
        )
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="tiffin"'
    assert served.status_code == 200


@pytest.mark.parametrize("path", ["/v2/health/ready", "/v2/models/echo_model/ready"])
def test_open_inference_protocol_health_needs_no_key(path: str) -> None:
    os.environ["API_KEY"] = "key-one"
    with TestClient(GuardedModel) as client:
        assert client.get(path).status_code == 200
