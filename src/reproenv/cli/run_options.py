"""The docker-run-like options of `run` and `shell`, turned into the engine's `RunOptions`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reproenv.engine import RunOptions
    from reproenv.plan.model import BuildPlan


@dataclass(frozen=True)
class RunRequest:
    """The docker-run-like options of `run` and `shell`, as the user gave them."""

    cpu: bool = False
    env: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    publish: tuple[str, ...] = ()
    network: str | None = None
    user: str | None = None
    deterministic: bool = (
        False  # --deterministic: the frameworks' variables, and the record says so
    )
    # how the request is handled, not what docker gets: `shell` is interactive and unrecorded
    record: bool = field(default=True, compare=False)


def run_options(
    plan: BuildPlan,
    project_dir: Path,
    request: RunRequest,
    *,
    uid: int | None = None,
    gid: int | None = None,
    cwd: Path | None = None,
    extra_env: tuple[str, ...] = (),
) -> RunOptions:
    """`extra_env`: reproenv's own variables after the identity's, before the user's --env
    (docker keeps the last of a name, so the user's win)."""
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
        env=(*own_env, *extra_env, *(checked_env(item) for item in request.env)),
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
