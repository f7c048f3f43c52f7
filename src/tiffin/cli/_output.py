"""How the command line shows things: errors, tables, sizes, times, JSON and YAML."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["dump", "human_size", "print_error", "print_note", "print_table", "when"]

_UNWRAPPED = 1 << 12


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(message: str) -> None:
    """Print ``Error: <message>`` to stderr, never interpreting the message as markup."""
    from rich.text import Text

    stderr_console().print(Text.assemble(("Error:", "bold red"), " ", message))


def print_note(message: str) -> None:
    """Print a message for the person at the terminal, on stderr (stdout stays parseable)."""
    from rich.text import Text

    stderr_console().print(Text(message))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Print a table to stdout; only the last column (free text such as labels) wraps."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns[:-1]:
        table.add_column(column, no_wrap=True)
    table.add_column(columns[-1], overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console = Console(highlight=False)
    if not console.is_terminal:  # piped: one line per row, for grep and friends
        console = Console(highlight=False, width=_UNWRAPPED)
    console.print(table)


def dump(data: Any, output: str) -> str:
    """``data`` as indented JSON or as YAML (``output`` is ``"json"`` or ``"yaml"``)."""
    if output == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value)


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


def when(moment: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """Local time to the minute, with how long ago it was: ``2024-01-15 10:32 (3 hours ago)``."""
    now = now or datetime.datetime.now(tz=datetime.timezone.utc)
    local = moment.astimezone().strftime("%Y-%m-%d %H:%M")
    ago = _ago((now - moment).total_seconds())
    return f"{local} ({ago})" if ago else local


def _ago(seconds: float) -> str:
    if seconds < 0:
        return ""
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(seconds // length)
        if count >= 1:
            return "" if unit == "day" and count > 30 else f"{count} {unit}{'s' * (count > 1)} ago"
    return "just now"
