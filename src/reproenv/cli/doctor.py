"""`reproenv doctor`: is this host ready to build? Each check comes with a fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import DockerOption, ProjectOption
from reproenv.cli.output import out


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def doctor(
    project: ProjectOption = Path(),
    docker: DockerOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the Docker engine, its builder and the base image's registry."""
    from rich.markup import escape
    from rich.table import Table

    from reproenv.cli.doctor_checks import run_checks
    from reproenv.errors import ExitCode

    checks = run_checks(project, docker)
    if as_json:
        print(json.dumps([c.as_dict() for c in checks], indent=2))
    else:
        table = Table("check", "status", "detail", "fix", show_lines=False)
        for check in checks:
            status = "[green]ok[/]" if check.ok else "[red]FAIL[/]"
            table.add_row(check.name, status, escape(check.detail), escape(check.fix))
        out.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
