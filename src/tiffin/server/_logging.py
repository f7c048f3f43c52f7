"""Server logging: text or JSON lines on stderr, with known secret values redacted."""

from __future__ import annotations

import datetime
import logging
import sys
import threading
from typing import Any, TextIO

from tiffin.io._json import dumps

__all__ = [
    "LOGGING_DISABLED_FOR_UVICORN",
    "RedactSecrets",
    "configure_logging",
    "redact",
    "redact_secrets_in",
]

# uvicorn's loggers propagate to the root handler configured here.
LOGGING_DISABLED_FOR_UVICORN: dict[str, Any] = {"version": 1, "disable_existing_loggers": False}
_ACCESS_FIELDS = ("client", "method", "path", "status", "duration_ms", "request_id")


class JSONFormatter(logging.Formatter):
    """One JSON object per line; access-log records get their fields as keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(
                record.created, datetime.timezone.utc
            ).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.name == "tiffin.access" and isinstance(record.args, tuple):
            entry.update(zip(_ACCESS_FIELDS, record.args, strict=False))
            entry["duration_ms"] = round(float(entry["duration_ms"]), 3)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return dumps(entry).decode()


class RedactSecrets(logging.Filter):
    """Replaces the values of loaded secrets in log messages and the tracebacks attached to
    them, whoever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        from tiffin.services._secrets import secrets

        values = secrets.values_for_redaction()
        if not values or record.name == "tiffin.access":
            return True
        message = record.getMessage()
        if any(value in message for value in values):
            record.msg, record.args = redact(message, values), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the traceback is written redacted.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text and any(value in record.exc_text for value in values):
            record.exc_text = redact(record.exc_text, values)
        return True


_TRACEBACKS = logging.Formatter()


def redact(text: str, values: list[str]) -> str:
    """``text`` with every secret value in ``values`` replaced by ``[redacted]``."""
    for value in values:
        text = text.replace(value, "[redacted]")
    return text


def redact_secrets_in(logger: logging.Logger) -> logging.Logger:
    """Add the redacting filter to ``logger`` itself, so its records are clean for every
    handler (tests' log capture included), not only for the server's own."""
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
    return logger


class BufferedHandler(logging.Handler):
    """Writes formatted records in batches: at most ``interval`` seconds late, or when
    ``capacity`` lines wait. One write and flush per batch instead of per request is what
    keeps an access log that is on by default cheap on the request path."""

    def __init__(self, stream: TextIO, interval: float = 0.2, capacity: int = 512) -> None:
        super().__init__()
        self.stream = stream
        self.interval = interval
        self.capacity = capacity
        self._lines: list[str] = []
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically, daemon=True)
        self._flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record) + "\n")
        except Exception:
            self.handleError(record)
            return
        if len(self._lines) >= self.capacity:
            self.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._lines = self._lines, []
            if lines:
                try:
                    self.stream.write("".join(lines))
                    self.stream.flush()
                except (OSError, ValueError):  # the stream went away (closed stderr)
                    self._stop.set()

    def _flush_periodically(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self.flush()
        super().close()


class _SkipAccess(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name != "tiffin.access"


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Server logs on stderr, text or JSON; access lines go through a buffered handler."""
    formatter: logging.Formatter = (
        JSONFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RedactSecrets())
    handler.addFilter(_SkipAccess())
    access = BufferedHandler(sys.stderr)
    access.setFormatter(formatter)
    access_logger = logging.getLogger("tiffin.access")
    for old in access_logger.handlers:
        old.close()
    access_logger.handlers[:] = [access]
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
