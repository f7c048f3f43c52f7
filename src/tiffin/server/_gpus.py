"""Which GPUs exist, and which each worker gets."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

from tiffin.exceptions import ConfigurationError

__all__ = ["assign_gpus", "visible_gpus"]

logger = logging.getLogger("tiffin.server")


def visible_gpus() -> list[str]:
    """GPU ids this process may use: ``CUDA_VISIBLE_DEVICES`` if set, else what nvidia-smi lists."""
    configured = os.environ.get("CUDA_VISIBLE_DEVICES")
    if configured is not None:
        return [gpu.strip() for gpu in configured.split(",") if gpu.strip() and gpu.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listing = subprocess.run(
            ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in listing.splitlines() if line.strip()]


def assign_gpus(per_worker: int, workers: int, *, strict: bool) -> list[list[str]] | None:
    """GPUs for each worker slot: ``per_worker`` each, cycling when there are fewer than needed.

    Without GPUs, a service that asks for them gets a warning (an error with ``strict``).
    """
    if per_worker <= 0:
        return None
    gpus = visible_gpus()
    if not gpus:
        message = (
            f"The service asks for {per_worker} GPU(s) per worker, but this machine has none "
            "visible; it will run on the CPU. Remove resources['gpu'] or run on a GPU machine."
        )
        if strict:
            raise ConfigurationError(message + " (--strict makes this an error.)")
        logger.warning("%s", message)
        return None
    if len(gpus) < per_worker * workers:
        logger.warning(
            "%d worker(s) x %d GPU(s) need %d GPUs but %d are visible; workers will share them.",
            workers,
            per_worker,
            per_worker * workers,
            len(gpus),
        )
    groups = [gpus[i : i + per_worker] for i in range(0, len(gpus), per_worker)]
    return [group for group in groups if len(group) == per_worker] or [gpus]
