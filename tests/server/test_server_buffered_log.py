"""The buffered handler behind the access log: batches lines, loses none."""

from __future__ import annotations

import io
import logging

from tiffin.server._logging import BufferedHandler


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("tiffin.access", logging.INFO, __file__, 1, message, None, None)


def test_lines_wait_until_the_batch_is_full() -> None:
    stream = io.StringIO()
    handler = BufferedHandler(stream, interval=3600, capacity=3)
    handler.handle(record("one"))
    handler.handle(record("two"))
    assert stream.getvalue() == ""
    handler.handle(record("three"))
    assert stream.getvalue() == "one\ntwo\nthree\n"
    handler.close()


def test_closing_writes_what_is_waiting() -> None:
    stream = io.StringIO()
    handler = BufferedHandler(stream, interval=3600)
    handler.handle(record("last"))
    handler.close()
    assert stream.getvalue() == "last\n"


def test_a_closed_stream_does_not_break_logging() -> None:
    stream = io.StringIO()
    handler = BufferedHandler(stream, interval=3600, capacity=1)
    stream.close()
    handler.handle(record("lost"))
    handler.close()
