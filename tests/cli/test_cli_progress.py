from __future__ import annotations

import io

from rich.console import Console

from tiffin.cli._progress import THRESHOLD, transfer_progress


def console(*, terminal: bool) -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, force_terminal=terminal, width=100), stream


def test_a_large_transfer_at_a_terminal_draws_a_bar() -> None:
    terminal, stream = console(terminal=True)
    with transfer_progress("Exporting demo:1", console=terminal) as progress:
        progress(0, THRESHOLD)
        progress(THRESHOLD, THRESHOLD)
    assert "Exporting demo:1" in stream.getvalue()
    assert "8.0/8.0 MiB" in stream.getvalue()


def test_a_small_transfer_draws_nothing() -> None:
    terminal, stream = console(terminal=True)
    with transfer_progress("Exporting demo:1", console=terminal) as progress:
        progress(THRESHOLD - 1, THRESHOLD - 1)
    assert stream.getvalue() == ""


def test_a_transfer_draws_nothing_when_not_at_a_terminal() -> None:
    pipe, stream = console(terminal=False)
    with transfer_progress("Exporting demo:1", console=pipe) as progress:
        progress(THRESHOLD, THRESHOLD)
    assert stream.getvalue() == ""
