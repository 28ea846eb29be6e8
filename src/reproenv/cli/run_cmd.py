"""`reproenv run -- CMD…`: run a command in the image built for the current lock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import DockerOption, ProjectOption


def register(app: typer.Typer) -> None:
    app.command("run", context_settings={"allow_interspersed_args": False})(run)


def run(
    command: Annotated[
        list[str] | None, typer.Argument(help="Command to run (default: the image's).")
    ] = None,
    project: ProjectOption = Path(),
    docker: DockerOption = None,
) -> None:
    """Run a command in the built image, with the project mounted at the workdir."""
    from reproenv.build.engine import DockerEngine
    from reproenv.build.service import require_image
    from reproenv.cli.pipeline import current_plan
    from reproenv.settings import docker_executable

    spec, plan = current_plan(project)
    engine = DockerEngine(docker_executable(docker))
    engine.info()
    image = require_image(engine, plan)
    code = engine.run(
        image, command or [], mounts={spec.project_dir: plan.workdir}, workdir=plan.workdir
    )
    raise typer.Exit(code)
