"""`reproenv generate`: render Dockerfile and .dockerignore from the lock."""

from __future__ import annotations

from pathlib import Path

import typer

from reproenv.cli.common import (
    CaCertOption,
    ForceOption,
    FrozenOption,
    LockedOption,
    OutputDirOption,
    ProjectOption,
    note,
)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)


def generate(
    project: ProjectOption = Path(),
    locked: LockedOption = False,
    frozen: FrozenOption = False,
    force: ForceOption = False,
    ca_cert: CaCertOption = None,
    output_dir: OutputDirOption = None,
) -> None:
    """Write Dockerfile and .dockerignore for the locked environment."""
    from reproenv.cli.pipeline import generate_files

    changed = generate_files(
        project, locked=locked, frozen=frozen, force=force, ca_cert=ca_cert, output_dir=output_dir
    ).changed
    note(f"wrote {', '.join(changed)}" if changed else "generated files are up to date")
