"""Server logs: JSON lines for access logs without bodies, and secrets redacted."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

import pytest

from tiffin.server._logging import JSONFormatter, RedactSecrets, configure_logging
from tiffin.services._secrets import secrets


def _record(
    name: str, msg: str, *args: object, exc: BaseException | None = None
) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, exc_info)


@pytest.fixture
def loaded_secret() -> str:
    os.environ["API_KEY"] = "sk-very-secret"
    secrets.load(["api_key"])
    return "sk-very-secret"


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_other_records_become_json_with_their_message() -> None:
    entry = json.loads(JSONFormatter().format(_record("tiffin.server", "ready on %d", 3000)))
    assert entry["message"] == "ready on 3000"


def test_json_record_carries_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        entry = json.loads(JSONFormatter().format(_record("tiffin.server", "failed", exc=exc)))
    assert "ValueError: boom" in entry["exception"]


def test_redaction_replaces_secret_values_in_messages(loaded_secret: str) -> None:
    record = _record("user.code", "token is %s", loaded_secret)
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "token is [redacted]"


def test_redaction_replaces_secret_values_in_tracebacks(loaded_secret: str) -> None:
    try:
        raise ValueError(f"bad token {loaded_secret}")
    except ValueError as exc:
        record = _record("user.code", "failed", exc=exc)
    RedactSecrets().filter(record)
    text = logging.Formatter().format(record)
    assert "bad token [redacted]" in text
    assert loaded_secret not in text
    assert loaded_secret not in JSONFormatter().format(record)


def test_redaction_leaves_records_without_secrets_alone(loaded_secret: str) -> None:
    record = _record("user.code", "hello %s", "world")
    RedactSecrets().filter(record)
    assert (record.msg, record.args) == ("hello %s", ("world",))


def test_configured_json_logging_writes_one_redacted_object_per_line(
    loaded_secret: str, root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json")
    logging.getLogger("user.code").warning("connecting with %s", loaded_secret)
    (line,) = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert entry["message"] == "connecting with [redacted]"
    assert entry["level"] == "warning"


def test_configured_text_logging_names_level_and_logger(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("text")
    logging.getLogger("tiffin.server").info("Serving")
    assert "INFO    tiffin.server: Serving" in capsys.readouterr().err
