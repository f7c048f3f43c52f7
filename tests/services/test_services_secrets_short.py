"""Short secret values are not scrubbed from free text (that would garble every message)."""

from __future__ import annotations

import pytest

from tiffin.services._secrets import Secrets


def test_short_secret_values_are_not_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORT", "k")
    monkeypatch.setenv("LONG_ONE", "s3cr3t-value")
    secrets = Secrets()
    secrets.load(["short", "long_one"])
    assert secrets.values_for_redaction() == ["s3cr3t-value"]
