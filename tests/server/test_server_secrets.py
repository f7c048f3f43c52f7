"""Secret values never leave the server: not in schemas, reprs, error bodies, readiness or
log records."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator

import httpx
import pytest

import tiffin
from tiffin.exceptions import BadInput
from tiffin.io import JSON
from tiffin.server._app import ServiceApp
from tiffin.services import definition_of
from tiffin.testing import TestClient

SECRET = "sk-live-0123456789abcdef"


class LeakyError(Exception):
    status_code = 409


@tiffin.service(secrets=["api_key", "db_password"])
class Holder:
    @tiffin.api
    def tiffin_error(self) -> JSON:
        raise BadInput(f"the key {tiffin.secrets['api_key']} looks wrong")

    @tiffin.api
    def status_error(self) -> JSON:
        raise LeakyError(f"conflict on {tiffin.secrets['api_key']}")

    @tiffin.api
    def crash(self) -> JSON:
        raise RuntimeError(f"cannot connect with password {tiffin.secrets['db_password']}")

    @tiffin.api
    def log_it(self) -> JSON:
        logging.getLogger("tiffin.server").warning("using %s", tiffin.secrets["api_key"])
        return "ok"


@pytest.fixture
def client() -> Iterator[TestClient]:
    os.environ.update({"API_KEY": SECRET, "DB_PASSWORD": SECRET + "-db"})
    with TestClient(Holder) as client:
        yield client


@pytest.mark.parametrize("path", ["/schema.json", "/docs.json", "/readyz", "/metrics"])
def test_secret_values_are_not_in_system_endpoints(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert SECRET not in response.text


def test_secrets_repr_hides_the_values(client: TestClient) -> None:
    assert SECRET not in repr(tiffin.secrets)
    assert "api_key" in repr(tiffin.secrets)


@pytest.mark.parametrize(
    ("route", "status"),
    [("/tiffin_error", 400), ("/status_error", 409), ("/crash", 500)],
)
def test_secret_values_are_redacted_from_error_bodies(
    client: TestClient, route: str, status: int
) -> None:
    response = client.post(route)
    assert response.status_code == status
    assert SECRET not in response.text


def test_redacted_error_message_keeps_the_rest(client: TestClient) -> None:
    message = client.post("/tiffin_error").json()["error"]["message"]
    assert message == "the key [redacted] looks wrong"


def test_secret_values_are_redacted_from_logged_tracebacks(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client.post("/crash")
    assert "cannot connect with password" in caplog.text
    assert SECRET not in caplog.text


def test_secret_values_are_redacted_from_server_log_messages(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client.post("/log_it")
    assert "using [redacted]" in caplog.text
    assert SECRET not in caplog.text


def test_secret_in_a_startup_failure_is_redacted_from_readyz_apis_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    os.environ["API_KEY"] = SECRET

    @tiffin.service(secrets=["api_key"])
    class Failing:
        def __init__(self) -> None:
            raise RuntimeError(f"key {tiffin.secrets['api_key']} rejected")

        @tiffin.api
        def ping(self) -> str:
            return "pong"

    async def scenario() -> list[httpx.Response]:
        app = ServiceApp(definition_of(Failing))
        app.startup()  # loads the secrets, then builds the service in the background
        assert app._init_task is not None
        await app._init_task
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            responses = [await http.get("/readyz"), await http.post("/ping")]
        await app.shutdown()
        return responses

    ready, api = asyncio.run(scenario())
    assert (ready.status_code, api.status_code) == (503, 503)
    assert "key [redacted] rejected" in ready.json()["checks"]["error"]
    for text in (ready.text, api.text, caplog.text):
        assert SECRET not in text
