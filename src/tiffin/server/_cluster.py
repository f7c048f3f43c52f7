"""What the worker processes of one server know about each other.

The supervisor makes a run folder (``TIFFIN_RUN_DIR``) and writes how many workers it
expects; each worker marks itself ready there with a file, and the supervisor removes the
mark of a worker that dies. ``/readyz`` on any worker is then true only when every worker is.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["RUN_DIR_VARIABLE", "WORKER_SLOT_VARIABLE", "Cluster"]

RUN_DIR_VARIABLE = "TIFFIN_RUN_DIR"
WORKER_SLOT_VARIABLE = "TIFFIN_WORKER_SLOT"
_EXPECTED = "workers"


class Cluster:
    """The run folder's view of the workers; ``Cluster.from_environment()`` in a worker."""

    def __init__(self, run_dir: Path, slot: int | None = None) -> None:
        self.run_dir = run_dir
        self.slot = slot

    @classmethod
    def from_environment(cls) -> Cluster | None:
        run_dir = os.environ.get(RUN_DIR_VARIABLE)
        if not run_dir:
            return None
        slot = os.environ.get(WORKER_SLOT_VARIABLE)
        return cls(Path(run_dir), int(slot) if slot else None)

    # -- the supervisor's side ---------------------------------------------------------

    def expect(self, workers: int) -> None:
        (self.run_dir / _EXPECTED).write_text(str(workers))

    def forget(self, slot: int) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.run_dir / f"ready-{slot}").unlink()

    def ready_slots(self) -> set[int]:
        return {
            int(entry.name.removeprefix("ready-"))
            for entry in os.scandir(self.run_dir)
            if entry.name.startswith("ready-")
        }

    # -- a worker's side ---------------------------------------------------------------

    def mark_ready(self) -> None:
        if self.slot is not None:
            (self.run_dir / f"ready-{self.slot}").write_text(str(os.getpid()))

    def workers_ready(self) -> tuple[int, int]:
        """``(ready, expected)`` worker counts."""
        try:
            expected = int((self.run_dir / _EXPECTED).read_text())
        except (FileNotFoundError, ValueError):
            return 0, 0
        return len(self.ready_slots()), expected
