"""Server logging: text or JSON lines on stderr, with known secret values redacted."""

from __future__ import annotations

import datetime
import logging
import sys
from typing import Any

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
        if not values:
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


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Server logs on stderr, text or JSON (access lines have their own writer: _access)."""
    formatter: logging.Formatter = (
        JSONFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
