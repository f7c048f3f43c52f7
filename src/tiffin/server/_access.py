"""The access log: one line per request, never bodies or secrets, cheap enough to be on.

Lines are formatted directly (the timestamp is cached per second) and written in batches, at
most ``interval`` seconds late: going through ``logging`` cost ~11 µs per request, a sizeable
share of a small model's request, against ~1 µs here. Text lines look like the server's
other log lines; JSON lines are objects with the request's fields.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from tiffin.io._json import dumps

__all__ = ["AccessLog"]


class AccessLog:
    """Writes access lines to ``stream`` (stderr by default) as ``text`` or ``json``."""

    def __init__(
        self,
        log_format: str = "text",
        stream: TextIO | None = None,
        *,
        interval: float = 0.2,
        capacity: int = 512,
    ) -> None:
        self.json = log_format == "json"
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.capacity = capacity
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._second = -1
        self._stamp = ""
        self._flusher: threading.Thread | None = None

    def __call__(
        self, client: str, method: str, path: str, status: int, seconds: float, request_id: str
    ) -> None:
        now = time.time()
        if self.json:
            line = dumps(
                {
                    "time": self._iso(now),
                    "level": "info",
                    "logger": "tiffin.access",
                    "client": client,
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "request_id": request_id,
                }
            ).decode()
        else:
            line = (
                f'{self._text_stamp(now)} INFO    tiffin.access: {client} "{method} {path}" '
                f"{status} {seconds * 1000:.2f}ms {request_id}"
            )
        self._lines.append(line + "\n")
        if self._flusher is None:
            self._start()
        elif len(self._lines) >= self.capacity:
            self.flush()

    def _text_stamp(self, now: float) -> str:
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._stamp},{int((now - second) * 1000):03d}"

    @staticmethod
    def _iso(now: float) -> str:
        return (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
            + f".{int(now % 1 * 1e6):06d}+00:00"
        )

    def _start(self) -> None:
        self._flusher = threading.Thread(
            target=self._flush_periodically, name="tiffin-access-log", daemon=True
        )
        self._flusher.start()

    def flush(self) -> None:
        """Write every waiting line now."""
        with self._lock:
            lines, self._lines = self._lines, []
            if not lines:
                return
            try:
                self.stream.write("".join(lines))
                self.stream.flush()
            except (OSError, ValueError):  # the stream went away (closed stderr)
                self._stop.set()

    def _flush_periodically(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def close(self) -> None:
        """Write what waits and stop the flusher."""
        self._stop.set()
        self.flush()
