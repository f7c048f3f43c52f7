"""The real server: supervisor, worker processes and sockets, through ``tiffin.testing.Server``."""

from __future__ import annotations

import asyncio
import gc
import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from e2e_helpers import READY_TIMEOUT, get, post, wait_until
from e2e_services import CrashesOnStart, Doubler, NeedsSecrets, Pipeline, Toolbox

import tiffin
from tiffin.exceptions import ServiceUnavailable
from tiffin.testing import Server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@tiffin.service
class DefinedInTheTestModule:
    @tiffin.api
    def where(self) -> str:
        return __name__


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$"
    match = re.search(pattern, text, re.M)
    return float(match.group(1)) if match else 0.0


def _worker_pids(server: Server, expected: int = 2, attempts: int = 200) -> tuple[set[int], int]:
    """Worker pids seen over fresh connections, and how many requests it took."""
    pids: set[int] = set()
    for sent in range(1, attempts + 1):
        pids.add(post(f"{server.url}/pid").json())
        if len(pids) == expected:
            return pids, sent
    pytest.fail(f"Only workers {pids} answered {attempts} requests over fresh connections.")


def test_server_by_class_serves_its_apis(gate: Path) -> None:
    with Server(Toolbox, env={"E2E_GATE_DIR": str(gate)}, timeout=READY_TIMEOUT) as server:
        response = server.post("/echo", json={"text": "hello"})
    assert (response.status_code, response.json()) == (200, 5)


def test_server_by_import_string_serves_its_apis() -> None:
    with Server("e2e_services:Doubler", timeout=READY_TIMEOUT) as server:
        assert server.client.double(21) == 42


def test_server_by_name_finds_the_class_in_the_test_module() -> None:
    with Server("DefinedInTheTestModule", timeout=READY_TIMEOUT) as server:
        assert server.client.where() == __name__


def test_both_workers_serve_and_metrics_sum_over_them(gate: Path) -> None:
    env = {"E2E_GATE_DIR": str(gate)}
    with Server(Toolbox, workers=2, env=env, timeout=READY_TIMEOUT) as server:
        pids, sent = _worker_pids(server)

        def counted() -> float:
            text = get(f"{server.url}/metrics").text
            return _metric(text, "tiffin_requests_total", api="pid", status="200")

        # Each worker publishes its counts every second (and on its own scrapes).
        wait_until(lambda: counted() == sent, what="both workers' counts in /metrics")
    assert len(pids) == 2


def test_killed_worker_is_restarted_and_readiness_follows(gate: Path) -> None:
    env = {"E2E_GATE_DIR": str(gate)}
    with Server(Toolbox, workers=2, env=env, timeout=READY_TIMEOUT) as server:
        pids, _ = _worker_pids(server)
        (gate / "hold-startup").touch()  # the replacement waits in __init__ until removed
        victim = min(pids)
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: any(gate.glob("waiting-*")), what="the supervisor to start a new worker")
        not_ready = get(f"{server.url}/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["workers"] == {"ready": 1, "expected": 2}
        (gate / "hold-startup").unlink()
        wait_until(lambda: get(f"{server.url}/readyz").status_code == 200, what="readiness")
        assert victim not in _worker_pids(server)[0]
        metrics = get(f"{server.url}/metrics").text
    assert _metric(metrics, "tiffin_worker_restarts_total") == 1.0


def test_sigterm_lets_in_flight_requests_finish_then_exits_0(gate: Path) -> None:
    env = {"E2E_GATE_DIR": str(gate)}
    tags = [f"t{i}" for i in range(4)]
    with (
        Server(Toolbox, workers=2, env=env, timeout=READY_TIMEOUT) as server,
        ThreadPoolExecutor(len(tags)) as pool,
    ):
        pids, _ = _worker_pids(server)
        in_flight = [pool.submit(post, f"{server.url}/hold", json={"tag": t}) for t in tags]
        wait_until(
            lambda: all((gate / f"entered-{t}").exists() for t in tags), what="requests to run"
        )
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        wait_until(
            lambda: server.log().count("Shutting down") >= 2, what="both workers to start draining"
        )
        (gate / "release").touch()
        responses = [future.result() for future in in_flight]
        status = server.process.wait(READY_TIMEOUT)
    assert [(r.status_code, r.json()["released"]) for r in responses] == [(200, True)] * 4
    assert status == 0
    assert {path.name for path in gate.glob("shutdown-*")} == {f"shutdown-{pid}" for pid in pids}


def test_missing_secrets_stop_the_server_naming_each_and_both_ways(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("API_KEY", "DB_PASSWORD", "TIFFIN_SECRETS_DIR"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ServiceUnavailable) as caught, Server(NeedsSecrets, timeout=READY_TIMEOUT):
        pass
    message = str(caught.value)
    assert "exited with status 1" in message
    assert "set $API_KEY, or write it to $TIFFIN_SECRETS_DIR/api_key" in message
    assert "set $DB_PASSWORD, or write it to $TIFFIN_SECRETS_DIR/db-password" in message
    assert "Traceback" not in message


def test_worker_crash_loop_stops_the_server_with_the_cause() -> None:
    with pytest.raises(ServiceUnavailable) as caught, Server(CrashesOnStart, timeout=READY_TIMEOUT):
        pass
    message = str(caught.value)
    assert "exited with status 1" in message
    assert "crashed 5 times within 60 s" in message


def test_dependency_url_makes_a_service_call_another_server() -> None:
    with Server(Doubler, timeout=READY_TIMEOUT) as doubler:
        env = {"TIFFIN_DEPENDENCY_URL_DOUBLER": doubler.url}
        with Server(Pipeline, env=env, timeout=READY_TIMEOUT) as pipeline:
            result = pipeline.client.run(3)
        doubler_pid = doubler.client.pid()
    assert result == {"result": 7, "doubler_pid": doubler_pid}


def test_sync_client_sends_and_receives_arrays_over_a_socket(gate: Path) -> None:
    with Server(Toolbox, env={"E2E_GATE_DIR": str(gate)}, timeout=READY_TIMEOUT) as server:
        result = server.client.double(np.arange(4, dtype="float32"))
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [0, 2, 4, 6])


def test_sync_client_streams_over_a_socket(gate: Path) -> None:
    with Server(Toolbox, env={"E2E_GATE_DIR": str(gate)}, timeout=READY_TIMEOUT) as server:
        assert list(server.client.count(4)) == [0, 1, 2, 3]


def test_async_client_calls_apis_over_a_socket(gate: Path) -> None:
    async def call(url: str) -> tuple[int, list[int]]:
        async with tiffin.AsyncHTTPClient(url) as client:
            await client.wait_ready(READY_TIMEOUT)
            length = await client.echo("four")
            items = [item async for item in client.stream("count", 2)]
            return length, items

    with Server(Toolbox, env={"E2E_GATE_DIR": str(gate)}, timeout=READY_TIMEOUT) as server:
        assert asyncio.run(call(server.url)) == (4, [0, 1])


def test_server_answers_http_errors_with_the_error_body(gate: Path) -> None:
    with Server(Toolbox, env={"E2E_GATE_DIR": str(gate)}, timeout=READY_TIMEOUT) as server:
        response = server.post("/echo", content=b"{not json", headers={"x-request-id": "e2e-1"})
    assert response.status_code == 400
    assert response.json()["error"]["request_id"] == "e2e-1"
    assert response.headers["x-request-id"] == "e2e-1"


def test_server_that_cannot_start_raises_with_its_log_and_leaves_nothing_open() -> None:
    with (
        pytest.raises(ServiceUnavailable, match='Cannot import the service module "no_such_e2e"'),
        Server("no_such_e2e:Nope", timeout=READY_TIMEOUT),
    ):
        pass
    gc.collect()  # an unclosed log file would warn here, which this suite makes an error
