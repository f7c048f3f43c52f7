"""The ``tiffin`` command line.

Each command group lives in its own module and is registered here by one line in
``COMMANDS`` (``"name": "module:attribute"``); a group's module is imported only when the
group is used or listed, so ``tiffin --version`` stays fast. Errors become exit codes in one
place, :meth:`TiffinGroup.main`, from the ``exit_code`` of tiffin's exception classes.
"""

from __future__ import annotations

import click

from tiffin._version import __version__
from tiffin.cli._group import TiffinGroup

__all__ = ["COMMANDS", "cli", "main"]

COMMANDS: dict[str, str] = {
    "models": "tiffin.cli.models:models",
    "serve": "tiffin.cli.serve:serve",
}


@click.group(cls=TiffinGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, "--version", prog_name="tiffin")
def cli() -> None:
    """Package machine-learning models and serve them as production HTTP services."""


def main() -> None:
    """Run the ``tiffin`` command (the console script's entry point)."""
    cli.main(prog_name="tiffin")
