"""`reproenv run -- CMD…`: run a command in the image built for the current lock."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import DockerOption

if TYPE_CHECKING:
    from reproenv.engine import RunOptions
    from reproenv.plan.model import BuildPlan

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
MlflowOption = Annotated[
    bool | None,
    typer.Option(
        "--mlflow/--no-mlflow",
        help="Run inside an MLflow run and log the run's conditions to it (default: on when "
        "MLFLOW_TRACKING_URI is set). Needs reproenv[mlflow].",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class RunRequest:
    """The docker-run-like options of `run` and `shell`, as the user gave them."""

    cpu: bool = False
    env: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()
    network: str | None = None
    user: str | None = None


def register(app: typer.Typer) -> None:
    app.command("run", context_settings={"allow_interspersed_args": False})(run)


def run(
    command: Annotated[
        list[str] | None,
        typer.Argument(metavar="CMD", help="Command to run (default: the image's)."),
    ] = None,
    project: RunProjectOption = Path(),
    docker: DockerOption = None,
    cpu: CpuOption = False,
    env: EnvOption = None,
    volume: VolumeOption = None,
    publish: PublishOption = None,
    network: NetworkOption = None,
    user: UserOption = None,
    mlflow: MlflowOption = None,
) -> None:
    """Run a command in the built image, with the project mounted at the workdir, as you.

    stdin is forwarded and a TTY allocated when there is one; the exit code is the command's.
    """
    request = RunRequest(
        cpu, tuple(env or ()), tuple(volume or ()), tuple(publish or ()), network, user
    )
    raise typer.Exit(launch(project, docker, command or [], request, mlflow=mlflow))


def launch(
    project: Path,
    docker: str | None,
    command: list[str],
    request: RunRequest,
    *,
    mlflow: bool | None = False,
) -> int:
    """Find the image of the current lock and run `command` in it (shared with `shell`);
    inside an MLflow run when `mlflow` says so (None: when MLFLOW_TRACKING_URI is set)."""
    from reproenv.build.service import require_image
    from reproenv.cli.pipeline import current_plan
    from reproenv.engine import open_engine

    spec, plan = current_plan(project)
    engine = open_engine(docker)
    engine.info()
    image = require_image(engine, plan)
    options = run_options(plan, spec.project_dir, request)
    from reproenv.tracking.mlflow import wanted

    if wanted(mlflow, os.environ):
        from reproenv.cli.run_tracking import lock_content_hash, run_tracked

        return run_tracked(
            engine, image, command, options, plan, spec.project_dir, os.environ,
            lock_hash=lock_content_hash(spec),
        )  # fmt: skip
    return engine.run(image, command, options)


def run_options(
    plan: BuildPlan,
    project_dir: Path,
    request: RunRequest,
    *,
    uid: int | None = None,
    gid: int | None = None,
    cwd: Path | None = None,
) -> RunOptions:
    from reproenv.engine import RunOptions, terminal_modes

    interactive, tty = terminal_modes()
    own_env: tuple[str, ...]
    tmpfs: tuple[str, ...]
    if request.user is not None:
        user, own_env, tmpfs = request.user, (), ()
    else:
        user, own_env, tmpfs = identity(
            os.getuid() if uid is None else uid,
            os.getgid() if gid is None else gid,
            image_user=plan.user,
            image_uid=plan.uid,
        )
    return RunOptions(
        workdir=plan.workdir,
        mounts={project_dir: plan.workdir},
        gpus=wants_gpus(plan.require_cuda, request.cpu),
        user=user,
        env=(*own_env, *(checked_env(item) for item in request.env)),
        volumes=tuple(host_path(item, cwd or Path.cwd()) for item in request.volumes),
        publish=request.publish,
        tmpfs=tmpfs,
        network=request.network,
        interactive=interactive,
        tty=tty,
    )


def identity(
    uid: int, gid: int, *, image_user: str, image_uid: int
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The container runs as the invoking uid:gid (root included: root's files stay root's, as
    on the host), so the mounted project reads and writes as it does outside. HOME is always
    the image user's home; anyone but that user gets an empty one of their own there (a tmpfs,
    gone with the container), since the image's belongs to its uid and may be private."""
    home = f"/home/{image_user}"
    if uid == image_uid:
        return f"{uid}:{gid}", (f"HOME={home}",), ()
    # the image has no name for this uid; getpass and friends read USER first
    env = (f"HOME={home}", f"USER={login_name(uid)}")
    return f"{uid}:{gid}", env, (f"{home}:rw,exec,uid={uid},gid={gid},mode=0700",)


def login_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def checked_env(item: str) -> str:
    from reproenv.errors import bad_input

    key = item.split("=", 1)[0]
    if not key or any(c.isspace() for c in key):
        raise bad_input(
            f"--env {item!r}: the variable name is missing or has spaces",
            "run-env",
            "write --env KEY=VALUE, or --env KEY to pass this shell's value of KEY",
        )
    return item


def host_path(volume: str, cwd: Path) -> str:
    """docker needs an absolute host path for a bind mount (a bare name is a named volume):
    `./data:/data` and `~/data:/data` are resolved here, as newer docker clients do."""
    source, sep, rest = volume.partition(":")
    if sep and (source.startswith(".") or source.startswith("~")):
        resolved = (cwd / Path(source).expanduser()).resolve()
        return f"{resolved}:{rest}"
    return volume


def wants_gpus(require_cuda: str | None, cpu: bool) -> bool:
    """GPUs go in when the image needs them and the host has them; a GPU image on a host
    without one is an error unless --cpu says the CPU path is wanted."""
    if require_cuda is None or cpu:
        return False
    from reproenv.errors import environment
    from reproenv.host.probe import probe_host

    report = probe_host()
    if report.gpus:
        return True
    raise environment(
        f"the image needs a GPU (CUDA {require_cuda}), and this host has none",
        "gpu-missing",
        "run it on a GPU host (`reproenv doctor` checks one), or pass --cpu to run its CPU path",
    )
