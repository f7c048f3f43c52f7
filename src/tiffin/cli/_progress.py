"""Progress bars for transfers, drawn on stderr for large models at a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from tiffin.models._archive import ProgressCallback

__all__ = ["THRESHOLD", "transfer_progress"]

THRESHOLD = 8 << 20
"""Transfers of fewer bytes finish too fast for a bar to help."""


@contextlib.contextmanager
def transfer_progress(
    description: str, *, console: Console | None = None
) -> Iterator[ProgressCallback]:
    """Yield a ``progress(done, total)`` callback that draws a bar when it is worth it.

    The bar appears on the first call if ``console`` (stderr by default) is a terminal and
    ``total`` is at least :data:`THRESHOLD` bytes.
    """
    bar = _Bar(description, console)
    try:
        yield bar.update
    finally:
        bar.close()


class _Bar:
    def __init__(self, description: str, console: Console | None) -> None:
        self._description = description
        self._console = console
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._decided = False

    def update(self, done: int, total: int) -> None:
        if not self._decided:
            self._decided = True
            self._start(total)
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done)

    def _start(self, total: int) -> None:
        from rich import progress

        from tiffin.cli._output import stderr_console

        console = self._console or stderr_console()
        if total < THRESHOLD or not console.is_terminal:
            return
        self._progress = progress.Progress(
            progress.TextColumn("{task.description}"),
            progress.BarColumn(),
            progress.DownloadColumn(binary_units=True),
            progress.TransferSpeedColumn(),
            progress.TimeRemainingColumn(),
            console=console,
        )
        self._progress.start()
        self._task = self._progress.add_task(self._description, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
