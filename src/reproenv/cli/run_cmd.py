"""`reproenv run -- CMD…`: run a command in the image built for the current lock."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import DockerOption, EngineOption, choose_engine
from reproenv.cli.run_options import (
    RunRequest,
    checked_env,
    host_path,
    identity,
    login_name,
    run_options,
    wants_gpus,
)

if TYPE_CHECKING:
    from reproenv.cli.recorded_run import RunHook

__all__ = [
    "RunRequest",
    "checked_env",
    "host_path",
    "identity",
    "launch",
    "login_name",
    "run_options",
    "wants_gpus",
]

# `-p` is docker's --publish on `run` and `shell`, so the project folder is long-only here
RunProjectOption = Annotated[
    Path,
    typer.Option("--project", help="Project folder.", file_okay=False, resolve_path=True),
]
CpuOption = Annotated[
    bool, typer.Option("--cpu", help="Run a GPU image without a GPU (the code's CPU path).")
]
EnvOption = Annotated[
    list[str] | None,
    typer.Option(
        "--env",
        "-e",
        metavar="KEY[=VALUE]",
        help="Set a variable in the container; KEY alone passes this shell's value (repeatable).",
    ),
]
VolumeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--volume",
        "-v",
        metavar="SRC:DEST[:OPTS]",
        help="Mount a host folder or a named volume, as docker's -v; a SRC starting with . or ~ "
        "is taken from the current folder or home (repeatable).",
    ),
]
PublishOption = Annotated[
    list[str] | None,
    typer.Option(
        "--publish",
        "-p",
        metavar="[IP:]HOST:CONTAINER",
        help="Publish a container port on the host, as docker's -p (repeatable).",
    ),
]
NetworkOption = Annotated[
    str | None,
    typer.Option("--network", metavar="NAME", help="Connect the container to this docker network."),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        metavar="USER[:GROUP]",
        help="Run as this user instead of yours, exactly as docker's --user (no HOME is set up).",
    ),
]


DeterministicOption = Annotated[
    bool,
    typer.Option(
        "--deterministic",
        help="Set what frameworks read for deterministic execution (PYTHONHASHSEED=0, "
        "CUBLAS_WORKSPACE_CONFIG, TF_DETERMINISTIC_OPS, …); the run record says so.",
    ),
]


MlflowOption = Annotated[
    bool | None,
    typer.Option(
        "--mlflow/--no-mlflow",
        help="Run inside an MLflow run and log the run's record to it (default: on when "
        "MLFLOW_TRACKING_URI is set). Needs reproenv[mlflow].",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command("run", context_settings={"allow_interspersed_args": False})(run)


def run(
    command: Annotated[
        list[str] | None,
        typer.Argument(metavar="CMD", help="Command to run (default: the image's)."),
    ] = None,
    project: RunProjectOption = Path(),
    docker: DockerOption = None,
    engine: EngineOption = None,
    cpu: CpuOption = False,
    env: EnvOption = None,
    volume: VolumeOption = None,
    publish: PublishOption = None,
    network: NetworkOption = None,
    user: UserOption = None,
    deterministic: DeterministicOption = False,
    mlflow: MlflowOption = None,
) -> None:
    """Run a command in the built image, with the project mounted at the workdir, as you.

    stdin is forwarded and a TTY allocated when there is one; the exit code is the command's.
    Every run leaves a record in .reproenv/runs/ (`reproenv runs` lists them).
    """
    request = RunRequest(
        cpu,
        tuple(env or ()),
        tuple(volume or ()),
        tuple(publish or ()),
        network,
        user,
        deterministic=deterministic,
    )
    choose_engine(engine)
    raise typer.Exit(launch(project, docker, command or [], request, mlflow=mlflow))


def launch(
    project: Path,
    docker: str | None,
    command: list[str],
    request: RunRequest,
    *,
    hooks: Sequence[RunHook] = (),
    mlflow: bool | None = False,
) -> int:
    """Find the image of the current lock and run `command` in it (shared with `shell`); a
    recorded request leaves its run record, and `hooks` (trackers) follow the run, an MLflow
    run among them when `mlflow` says so (None: when MLFLOW_TRACKING_URI is set)."""
    from reproenv.cli.recorded_run import built_image, execute, prepare
    from reproenv.cli.run_tracking import tracking_hooks

    target = prepare(project, docker)
    hooks = (*hooks, *tracking_hooks(target, mlflow if request.record else False))
    if not request.record:
        options = run_options(target.plan, target.spec.project_dir, request)
        return target.engine.run(built_image(target).tag, command, options)
    return execute(target, command, request, hooks=hooks).exit_code
