"""Server logging: text or JSON lines on stderr, with known secret values redacted."""

from __future__ import annotations

import datetime
import logging
import sys
from typing import Any

from tiffin.io._json import dumps

__all__ = ["LOGGING_DISABLED_FOR_UVICORN", "configure_logging"]

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
            entry["exception"] = self.formatException(record.exc_info)
        return dumps(entry).decode()


class RedactSecrets(logging.Filter):
    """Replaces the values of loaded secrets in log messages, whoever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        from tiffin.services._secrets import secrets

        values = secrets.values_for_redaction()
        if values and record.name != "tiffin.access":
            message = record.getMessage()
            if any(value in message for value in values):
                for value in values:
                    message = message.replace(value, "[redacted]")
                record.msg, record.args = message, None
        return True


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
