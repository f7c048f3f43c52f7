"""``tiffin serve`` run as a user runs it: options, logs, start-up failures and bad targets."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from e2e_helpers import ServeProcess, get, post, run_cli, serve_environment, wait_until

from tiffin.testing import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MAX_BODY = 2000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, Path]]:
    """One server started with every option under test; each test checks one of them."""
    folder = tmp_path_factory.mktemp("cli")
    gate = folder / "gate"
    gate.mkdir()
    env = serve_environment(E2E_GATE_DIR=str(gate), TIFFIN_HOME=str(folder / "home"))
    port = free_port()
    args = [
        "e2e_services:Toolbox",
        "--port",
        str(port),
        "--workers",
        "2",
        "--timeout",
        "0.5",
        "--max-body-size",
        str(MAX_BODY),
        "--log-format",
        "json",
    ]
    server = ServeProcess(args, folder / "serve.log", env)
    try:
        wait_until(server.ready, what="tiffin serve to be ready")
        yield server, gate
    finally:
        (gate / "release").touch()  # frees any request still held, so the drain is quick
        server.stop()


def test_port_option_sets_the_listening_port(served: tuple[ServeProcess, Path]) -> None:
    server, _ = served
    response = get(f"http://127.0.0.1:{server.port}/livez")
    assert response.json() == {"status": "alive"}


def test_workers_option_starts_that_many_workers(served: tuple[ServeProcess, Path]) -> None:
    server, _ = served
    assert get(f"{server.url}/readyz").json()["checks"]["workers"] == {"ready": 2, "expected": 2}


def test_timeout_option_overrides_the_service_timeout(served: tuple[ServeProcess, Path]) -> None:
    server, gate = served
    response = post(f"{server.url}/hold", json={"tag": "timeout"})
    assert response.status_code == 504
    assert "within 0.5 s" in response.json()["error"]["message"]
    assert (gate / "entered-timeout").exists()


def test_max_body_size_option_limits_request_bodies(served: tuple[ServeProcess, Path]) -> None:
    server, _ = served
    small = post(f"{server.url}/echo", json={"text": "x" * 100})
    large = post(f"{server.url}/echo", json={"text": "x" * MAX_BODY})
    assert small.status_code == 200
    assert large.status_code == 413
    assert large.json()["error"]["details"] == {"limit": MAX_BODY}


def test_json_log_format_writes_access_lines_as_json_without_bodies(
    served: tuple[ServeProcess, Path],
) -> None:
    server, _ = served
    marker = "private-body-marker-7731"
    headers = {"x-request-id": "cli-json-log-1"}
    assert post(f"{server.url}/echo", json={"text": marker}, headers=headers).status_code == 200

    def access_entry() -> dict[str, object] | None:
        for line in server.log().splitlines():
            if '"cli-json-log-1"' in line:
                entry: dict[str, object] = json.loads(line)
                return entry
        return None

    wait_until(lambda: access_entry() is not None, what="the access log line")
    entry = access_entry()
    assert entry is not None
    assert {k: entry[k] for k in ("logger", "method", "path", "status")} == {
        "logger": "tiffin.access",
        "method": "POST",
        "path": "/echo",
        "status": 200,
    }
    assert isinstance(entry["duration_ms"], float)
    lines = [line for line in server.log().splitlines() if line.strip()]
    assert all(isinstance(json.loads(line), dict) for line in lines)
    assert marker not in server.log()


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        pytest.param("nope:Nope", 'Cannot import the service module "nope"', id="module"),
        pytest.param("file.py:Missing", 'Service file "file.py" does not exist', id="file"),
        pytest.param("e2e_services:Missing", "has no attribute 'Missing'", id="class"),
        pytest.param("e2e_services", 'name one: "e2e_services:<Service>"', id="ambiguous"),
    ],
)
def test_bad_target_exits_with_a_clear_error_and_no_traceback(target: str, fragment: str) -> None:
    result = run_cli("serve", target, "--port", str(free_port()))
    assert result.returncode != 0
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_secrets_exit_naming_each_and_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("API_KEY", "DB_PASSWORD", "TIFFIN_SECRETS_DIR"):
        monkeypatch.delenv(name, raising=False)
    result = run_cli("serve", "e2e_services:NeedsSecrets", "--port", str(free_port()))
    assert result.returncode != 0
    assert "set $API_KEY, or write it to $TIFFIN_SECRETS_DIR/api_key" in result.stderr
    assert "set $DB_PASSWORD, or write it to $TIFFIN_SECRETS_DIR/db-password" in result.stderr
    assert "Traceback" not in result.stderr


def test_secrets_from_a_folder_let_the_server_start(
    serve: Callable[..., ServeProcess], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("API_KEY", "DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "api_key").write_text("k\n")
    (secrets / "db-password").write_text("p\n")
    server = serve("e2e_services:NeedsSecrets", TIFFIN_SECRETS_DIR=str(secrets))
    wait_until(server.ready, what="readiness")
    assert post(f"{server.url}/ping").json() == "pong"


def test_service_whose_init_raises_keeps_running_not_ready_with_the_cause(
    serve: Callable[..., ServeProcess],
) -> None:
    server = serve("e2e_services:FailsOnStart")
    wait_until(
        lambda: (
            server.answers() and get(f"{server.url}/readyz").json()["checks"]["service"] == "failed"
        ),
        what="the service to report its failure",
    )
    ready = get(f"{server.url}/readyz")
    api = post(f"{server.url}/ping")
    assert ready.status_code == 503
    assert ready.json()["checks"]["error"] == (
        "RuntimeError: model weights not found at /models/w.bin"
    )
    assert api.status_code == 503
    assert "model weights not found" in api.json()["error"]["message"]
    assert server.process.poll() is None


def test_sigterm_stops_an_idle_server_with_status_0(serve: Callable[..., ServeProcess]) -> None:
    server = serve("e2e_services:Doubler")
    wait_until(server.ready, what="readiness")
    assert server.stop() == 0
    assert "Traceback" not in server.log()
