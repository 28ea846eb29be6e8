"""`reproenv shell`: an interactive shell in the image built for the current lock."""

from __future__ import annotations

from pathlib import Path

import typer

from reproenv.cli import run_cmd
from reproenv.cli.common import DockerOption, EngineOption, choose_engine
from reproenv.cli.run_cmd import (
    CpuOption,
    EnvOption,
    NetworkOption,
    PublishOption,
    RunProjectOption,
    RunRequest,
    UserOption,
    VolumeOption,
)

# one container: bash where the image has it, else the POSIX shell every base carries
SHELL_COMMAND = ["sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"]


def register(app: typer.Typer) -> None:
    app.command("shell")(shell)


def shell(
    project: RunProjectOption = Path(),
    docker: DockerOption = None,
    engine: EngineOption = None,
    cpu: CpuOption = False,
    env: EnvOption = None,
    volume: VolumeOption = None,
    publish: PublishOption = None,
    network: NetworkOption = None,
    user: UserOption = None,
) -> None:
    """Open a shell (bash, else sh) in the built image: the same mounts, user and GPUs as run."""
    choose_engine(engine)
    request = RunRequest(
        cpu,
        tuple(env or ()),
        tuple(volume or ()),
        tuple(publish or ()),
        network,
        user,
        record=False,
    )
    raise typer.Exit(run_cmd.launch(project, docker, SHELL_COMMAND, request))
