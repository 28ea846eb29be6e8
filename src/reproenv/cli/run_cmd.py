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
    cpu: Annotated[
        bool, typer.Option("--cpu", help="Run a GPU image without a GPU (the code's CPU path).")
    ] = False,
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
        image,
        command or [],
        mounts={spec.project_dir: plan.workdir},
        workdir=plan.workdir,
        gpus=wants_gpus(plan.require_cuda, cpu),
    )
    raise typer.Exit(code)


def wants_gpus(require_cuda: str | None, cpu: bool) -> bool:
    """GPUs go in when the image needs them and the host has them; a GPU image on a host
    without one is an error unless --cpu says the CPU path is wanted."""
    if require_cuda is None or cpu:
        return False
    from reproenv.detect.gpu_host import probe_host
    from reproenv.errors import environment

    report = probe_host()
    if report.gpus:
        return True
    raise environment(
        f"the image needs a GPU (CUDA {require_cuda}), and this host has none",
        "gpu-missing",
        "run it on a GPU host (`reproenv doctor` checks one), or pass --cpu to run its CPU path",
    )
