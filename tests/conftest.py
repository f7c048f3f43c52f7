from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def tiffin_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty $TIFFIN_HOME."""
    home = tmp_path / "tiffin-home"
    monkeypatch.setenv("TIFFIN_HOME", str(home))
    return home
