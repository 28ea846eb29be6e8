"""The `reproenv` command. Errors become output and exit codes here, and only here."""

from __future__ import annotations

import sys

import click
import typer

from reproenv import __version__
from reproenv.cli import build, doctor, generate, init, lock, run_cmd, shell
from reproenv.errors import ExitCode, ReproenvError, redact

app = typer.Typer(
    name="reproenv",
    help="Reproducible, digest-pinned, hash-locked container environments for research code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
for module in (init, lock, generate, build, run_cmd, shell, doctor):
    module.register(app)


def _version(value: bool) -> None:
    if value:
        print(f"reproenv {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """reproenv: init -> lock -> generate -> build -> run."""


def report(error: ReproenvError) -> None:
    from rich.markup import escape

    from reproenv.cli.common import err

    err.print(f"[bold red]error[/] [dim]({error.reference})[/]: {escape(redact(error.message))}")
    if error.hint:
        err.print(f"  [bold]hint[/]: {escape(redact(error.hint))}")


def run() -> None:
    try:
        code = app(standalone_mode=False)
    except ReproenvError as error:
        report(error)
        sys.exit(int(error.exit_code))
    except click.exceptions.Abort:
        sys.exit(int(ExitCode.INTERRUPTED))
    except KeyboardInterrupt:
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.ClickException as error:
        error.show()
        sys.exit(int(ExitCode.BAD_INPUT))
    sys.exit(code if isinstance(code, int) else 0)
