"""The `reproenv` command: typer's app of every subcommand (reproenv's own errors become
output and exit codes in cli/output.py, for this app and for cli/entry.py's shortcuts)."""

from __future__ import annotations

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
from reproenv.cli.output import exiting_on_errors

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


def run() -> None:
    # Standalone mode leaves usage errors to typer (usage line, "did you mean", exit 2) and maps
    # Ctrl-C to 130, without naming click's exception classes: typer re-exports click's before
    # 0.26 and raises its own vendored copies after. Only reproenv's own errors come out here.
    exiting_on_errors(lambda: app(prog_name="reproenv"))
