"""``TiffinGroup``: a click group that loads commands lazily and turns errors into exit codes."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import click

from tiffin.exceptions import TiffinError

__all__ = ["TiffinGroup"]


class TiffinGroup(click.Group):
    """A group whose subcommands are ``"module:attribute"`` strings, imported on first use.

    Its ``main`` is the command line's only error boundary: a ``TiffinError`` is printed as
    ``Error: <message>`` and exits with the class's ``exit_code``; anything unexpected gets a
    short message, and its traceback only when ``TIFFIN_DEBUG=1``. click's own usage errors
    keep click's behaviour.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] = {}, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = self.lazy_commands[cmd_name].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command.")
        self.add_command(command, cmd_name)
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except (click.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise  # only reached with standalone_mode=False, where the caller handles them
        except TiffinError as error:
            _fail(error.message or type(error).__name__, error.exit_code, error)
        except Exception as error:
            _fail(
                f"unexpected {type(error).__name__}: {error}. This is a bug; run again with "
                "TIFFIN_DEBUG=1 to see the traceback, and report it.",
                1,
                error,
            )


def _fail(message: str, exit_code: int, error: BaseException) -> NoReturn:
    from tiffin.cli._output import print_error

    if os.environ.get("TIFFIN_DEBUG") == "1":
        import traceback

        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    print_error(message)
    sys.exit(exit_code)
