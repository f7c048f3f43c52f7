from __future__ import annotations

import datetime

import pytest

from tiffin.cli._output import dump, human_size, when

NOW = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (3 << 20, "3.0 MiB"), (5 << 40, "5.0 TiB")],
)
def test_sizes_are_human_readable(size: int, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("delta", "suffix"),
    [
        (datetime.timedelta(seconds=5), "(just now)"),
        (datetime.timedelta(minutes=1), "(1 minute ago)"),
        (datetime.timedelta(hours=3, minutes=5), "(3 hours ago)"),
        (datetime.timedelta(days=2), "(2 days ago)"),
    ],
)
def test_recent_times_say_how_long_ago(delta: datetime.timedelta, suffix: str) -> None:
    assert when(NOW - delta, now=NOW).endswith(suffix)


def test_old_times_are_shown_in_local_time_only() -> None:
    moment = NOW - datetime.timedelta(days=90)
    assert when(moment, now=NOW) == moment.astimezone().strftime("%Y-%m-%d %H:%M")


def test_json_output_writes_datetimes_as_iso() -> None:
    assert dump({"at": NOW}, "json") == '{\n  "at": "2024-05-01T12:00:00+00:00"\n}'
