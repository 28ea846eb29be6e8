"""The `reproenv` command. Errors become output and exit codes here, and only here."""

from __future__ import annotations

import sys

import typer

from reproenv import __version__
from reproenv.cli import (
    archive,
    build,
    doctor,
    fingerprint,
    generate,
    init,
    lock,
    mirror,
    publish,
    rerun,
    run_cmd,
    runs_cmd,
    sbom,
    shell,
    verify,
)
from reproenv.errors import ExitCode, ReproenvError, redact

app = typer.Typer(
    name="reproenv",
    help="Reproducible, digest-pinned, hash-locked container environments for research code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    # click's plain help and error layout: typer's rich panels print a `<bool>` type column for
    # every flag (typer 0.29), and usage errors stay one greppable `Error:` line.
    rich_markup_mode=None,
)
COMMANDS = (
    init,
    lock,
    generate,
    build,
    run_cmd,
    shell,
    runs_cmd,
    rerun,
    verify,
    doctor,
    fingerprint,
    sbom,
    archive,
    mirror,
    publish,
)
for module in COMMANDS:
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
    # Standalone mode leaves usage errors to typer (usage line, "did you mean", exit 2) and maps
    # Ctrl-C to 130, without naming click's exception classes: typer re-exports click's before
    # 0.26 and raises its own vendored copies after. Only reproenv's own errors come out here.
    try:
        app(prog_name="reproenv")
    except ReproenvError as error:
        report(error)
        sys.exit(int(error.exit_code))
    except KeyboardInterrupt:
        sys.exit(int(ExitCode.INTERRUPTED))
