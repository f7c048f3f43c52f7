"""The access log: one line per request with its fields, never the body, nothing lost."""

from __future__ import annotations

import io
import json

import tiffin
from tiffin.server._access import AccessLog
from tiffin.testing import TestClient


@tiffin.service
class Echo:
    @tiffin.api
    def echo(self, text: str) -> int:
        return len(text)


def served_lines(log_format: str) -> list[str]:
    stream = io.StringIO()
    client = TestClient(Echo)
    client.app.access_log = AccessLog(log_format, stream, interval=3600)
    with client:
        client.post("/echo", json={"text": "private-body-text"}, headers={"x-request-id": "r-9"})
    return stream.getvalue().splitlines()


def test_a_text_line_names_the_request_its_status_and_id() -> None:
    (line,) = served_lines("text")
    assert ' tiffin.access: 127.0.0.1:50000 "POST /echo" 200 ' in line
    assert line.endswith("ms r-9")


def test_a_json_line_carries_the_fields() -> None:
    (line,) = served_lines("json")
    entry = json.loads(line)
    assert {
        k: entry[k] for k in ("logger", "client", "method", "path", "status", "request_id")
    } == {
        "logger": "tiffin.access",
        "client": "127.0.0.1:50000",
        "method": "POST",
        "path": "/echo",
        "status": 200,
        "request_id": "r-9",
    }
    assert isinstance(entry["duration_ms"], float)


def test_the_body_never_reaches_the_log() -> None:
    assert "private-body-text" not in "".join(served_lines("text") + served_lines("json"))


def test_lines_wait_until_the_batch_is_full() -> None:
    stream = io.StringIO()
    log = AccessLog("text", stream, interval=3600, capacity=3)
    log("c", "GET", "/x", 200, 0.001, "one")
    log("c", "GET", "/x", 200, 0.001, "two")
    assert stream.getvalue() == ""
    log("c", "GET", "/x", 200, 0.001, "three")
    assert stream.getvalue().count("\n") == 3
    log.close()


def test_closing_writes_what_is_waiting() -> None:
    stream = io.StringIO()
    log = AccessLog("text", stream, interval=3600)
    log("c", "GET", "/x", 200, 0.001, "last")
    log.close()
    assert stream.getvalue().endswith("last\n")


def test_a_closed_stream_does_not_break_requests() -> None:
    stream = io.StringIO()
    log = AccessLog("text", stream, interval=3600, capacity=1)
    stream.close()
    log("c", "GET", "/x", 200, 0.001, "a")
    log("c", "GET", "/x", 200, 0.001, "b")
    log.close()
