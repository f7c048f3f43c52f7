"""Where tiffin keeps things on disk."""

from __future__ import annotations

import os
from pathlib import Path


def tiffin_home() -> Path:
    """The home folder: ``$TIFFIN_HOME``, or ``~/tiffin`` when unset.

    Read on every call so a process (or a test) may change the variable at run time.
    """
    configured = os.environ.get("TIFFIN_HOME")
    return Path(configured).expanduser() if configured else Path.home() / "tiffin"
