"""``/docs.json`` is valid OpenAPI 3.1, and ``/docs`` works in a real browser.

A realistic service (numpy arrays with and without a declared shape, a pydantic model,
parameters with defaults, an API answering GET, one answering PUT, API-key auth) runs in a
real server; headless Chromium, driven by Playwright, opens its ``/docs`` page and sends
each API's example body.

Needs: the ``playwright`` Python package (its wheel bundles the driver; no
``playwright install``, no download) and a Chromium binary, Debian's ``chromium`` package
at ``/usr/bin/chromium`` (or ``$TIFFIN_TEST_CHROMIUM``). The browser tests skip when no
Chromium is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import numpy as np
import pydantic
import pytest

import tiffin
from tiffin.io import JSON, NumpyNdarray
from tiffin.testing import Server

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

API_KEY = "docs-page-test-key"
CHROMIUM = os.environ.get("TIFFIN_TEST_CHROMIUM") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOADED = """() => document.body.dataset.ready === "true"
    || document.getElementById("apis").textContent.startsWith("Could not")"""
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: apt-get install chromium (or set $TIFFIN_TEST_CHROMIUM)",
)


class Passenger(pydantic.BaseModel):
    name: str = pydantic.Field(examples=["Ada"])
    age: int = 36


@tiffin.service(
    name="docs-demo",
    version="1.2.3",
    description="A service whose /docs page is tried in a browser.",
    auth={"api_keys_secret": "api_key"},
)
class DocsDemoService:
    @tiffin.api
    def summarize(self, input_data: NumpyNdarray, threshold: float = 0.5) -> JSON:
        """Count the rows and sum the values of any array."""
        return {"rows": len(input_data), "total": float(np.sum(input_data)), "threshold": threshold}

    @tiffin.api
    def scale(
        self, rows: NumpyNdarray(dtype="float32", shape=(-1, 3)), factor: float = 2.0
    ) -> NumpyNdarray:
        """Multiply rows of three values by a factor."""
        return rows * factor

    @tiffin.api
    def greet(self, passenger: Passenger, greeting: str = "Hello") -> JSON:
        """Greet a passenger by name."""
        return {"message": f"{greeting}, {passenger.name}!", "age": passenger.age}

    @tiffin.api
    def status(self) -> JSON:
        """Say that the service is up (also answers GET)."""
        return {"ok": True}

    @tiffin.api(method="PUT")
    def configure(self, threshold: float) -> JSON:
        """Echo a new threshold (answers PUT only)."""
        return {"threshold": threshold}


# What each API answers to the example body the page builds from its schema.
EXAMPLE_RESULTS = {
    "summarize": {"rows": 0, "total": 0.0, "threshold": 0.5},
    "scale": [[0.0, 0.0, 0.0]],
    "greet": {"message": "Hello, Ada!", "age": 36},
    "status": {"ok": True},
    "configure": {"threshold": 0.0},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("tiffin-home")
    with Server(DocsDemoService, env={"API_KEY": API_KEY, "TIFFIN_HOME": str(home)}) as server:
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium with a fresh profile and no background network traffic."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """The /docs page, loaded; ``page.errors`` collects its JavaScript errors, console errors
    (failed loads included) and HTTP error responses."""
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("response", lambda r: r.status >= 400 and page.errors.append(f"{r.status} {r.url}"))
    page.goto(f"{server.url}/docs")
    # Ready, or the page's own "Could not load" message: fail at once with what it says.
    page.wait_for_function(LOADED, timeout=30_000)
    assert page.evaluate("document.body.dataset.ready") == "true", page.inner_text("#apis")
    yield page
    page.close()


def send(page: Any, name: str) -> tuple[str, Any]:
    """Click the API's Send button; return the status line and the parsed response."""
    from playwright.sync_api import expect

    page.click(f"#send-{name}")
    expect(page.locator(f"#status-{name}")).to_have_text(re.compile(r"^\d{3}\b"))
    text = page.locator(f"#response-{name}").text_content()
    return page.locator(f"#status-{name}").text_content(), json.loads(text)


# -- /docs.json -------------------------------------------------------------------------------
def test_docs_json_is_valid_openapi_3_1(server: Server) -> None:
    """The OpenAPI document validates against the OpenAPI 3.1 schema."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    document = server.get("/docs.json").json()

    assert document["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(document).validate()


def test_docs_json_describes_every_api_with_its_security(server: Server) -> None:
    """Every API has an operation, and each one asks for the API key."""
    document = server.get("/docs.json").json()

    operations = {
        op["operationId"]: op
        for path in document["paths"].values()
        for op in path.values()
        if "system" not in op.get("tags", [])
    }
    assert set(EXAMPLE_RESULTS) <= set(operations)
    assert all(op["security"] for op in operations.values())
    assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey"}


# -- /docs in a browser -----------------------------------------------------------------------
@needs_chromium
def test_page_loads_without_errors(page: Any) -> None:
    """The page renders the service's name and description and raises no JavaScript error."""
    assert page.locator("#title").text_content() == "docs-demo"
    assert page.locator("#description").text_content() == (
        "A service whose /docs page is tried in a browser."
    )
    assert page.errors == []


@needs_chromium
def test_page_lists_every_api(page: Any) -> None:
    """There is one section per API, whatever its HTTP method, and none for system routes."""
    sections = page.locator("section.api").evaluate_all("nodes => nodes.map(n => n.id)")

    assert sorted(sections) == sorted(f"api-{name}" for name in EXAMPLE_RESULTS)


@needs_chromium
def test_page_asks_for_the_api_key(page: Any) -> None:
    """A service with auth shows the API key field."""
    assert page.locator("#key").is_visible()


@needs_chromium
@pytest.mark.parametrize("name", list(EXAMPLE_RESULTS))
def test_sending_the_example_body_succeeds(page: Any, name: str) -> None:
    """Send with the example body built from the API's schema answers 200 with the result."""
    page.fill("#key", API_KEY)

    status, result = send(page, name)

    assert status.startswith("200")
    assert result == EXAMPLE_RESULTS[name]
    assert page.errors == []


@needs_chromium
def test_an_edited_body_is_sent(page: Any) -> None:
    """The body is the textarea's content, so an edited body gets its own result."""
    page.fill("#key", API_KEY)
    page.fill("#body-greet", '{"passenger": {"name": "Grace", "age": 85}, "greeting": "Hi"}')

    status, result = send(page, "greet")

    assert status.startswith("200")
    assert result == {"message": "Hi, Grace!", "age": 85}


@needs_chromium
def test_without_the_api_key_the_page_shows_401(page: Any) -> None:
    """Sending without a key shows the server's 401 and its error body."""
    status, result = send(page, "status")

    assert status.startswith("401")
    assert result["error"]["type"] == "Unauthorized"
