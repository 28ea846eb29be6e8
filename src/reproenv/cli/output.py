"""What the commands print, and how reproenv's own errors become output and exit codes. Free of
typer, so that `reproenv lock` can run without loading the CLI framework (cli/entry.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from reproenv.errors import ExitCode, ReproenvError, redact

if TYPE_CHECKING:
    from rich.console import Console

    from reproenv.lock.exports import ExportCheck


class LazyConsole:
    """A rich Console made on first print: importing rich costs more than the rest of `--help`."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr

    @cached_property
    def console(self) -> Console:
        from rich.console import Console

        # no :emoji: codes: paths and package names are printed as they are
        return Console(stderr=self._stderr, highlight=False, soft_wrap=True, emoji=False)

    def print(self, *objects: Any, **options: Any) -> None:
        self.console.print(*objects, **options)


err = LazyConsole(stderr=True)
out = LazyConsole(stderr=False)


def note(message: str) -> None:
    err.print(f"[bold cyan]reproenv[/]: {message}")


def warn(message: str) -> None:
    err.print(f"[bold yellow]warning[/]: {message}")


def report_export(check: ExportCheck) -> None:
    """Say that requirements.lock was rewritten from reproenv.lock: never silently."""
    text = check.notice()
    if text:
        (warn if check.is_edit else note)(text)


def report(error: ReproenvError) -> None:
    from rich.markup import escape

    err.print(f"[bold red]error[/] [dim]({error.reference})[/]: {escape(redact(error.message))}")
    if error.hint:
        err.print(f"  [bold]hint[/]: {escape(redact(error.hint))}")


def exiting_on_errors(command: Callable[[], None]) -> None:
    """Run a command: reproenv's own errors are printed and become their exit codes, Ctrl-C
    exits 130. Usage errors are the CLI framework's, which raises none of these."""
    try:
        command()
    except ReproenvError as error:
        report(error)
        sys.exit(int(error.exit_code))
    except KeyboardInterrupt:
        sys.exit(int(ExitCode.INTERRUPTED))
