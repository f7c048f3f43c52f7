from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tiffin.models._tag import validate_name
from tiffin.models._versions import _encode, new_version


def test_versions_are_valid_tag_versions() -> None:
    version, _ = new_version()
    assert validate_name(version, "version") == version
    assert re.fullmatch(r"[0-9a-z]{16}", version)


def test_versions_made_in_one_process_strictly_increase() -> None:
    versions = [new_version()[0] for _ in range(10_000)]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)


@given(st.lists(st.integers(min_value=0, max_value=32**10 - 1), min_size=2, max_size=50))
def test_encoded_timestamps_sort_like_the_timestamps(times: list[int]) -> None:
    encoded = [_encode(t, 10) for t in times]
    assert sorted(encoded) == [_encode(t, 10) for t in sorted(times)]


def test_version_reports_the_timestamp_it_encodes() -> None:
    _, millis = new_version(now_ms=1_700_000_000_123)
    assert millis >= 1_700_000_000_123
