"""`reproenv run` with its record: the launch path `run` and `rerun` share.

`prepare` finds the spec, the lock, its plan and the engine; `execute` writes the record
(state "running") as the container starts and finishes it when it ends, however it ends. The
seam for experiment trackers is `RunHook`: a hook adds variables before the container starts
and is called with the finished record after it ends.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reproenv.cli.output import note, warn

if TYPE_CHECKING:
    from reproenv.cli.run_options import RunRequest
    from reproenv.engine import ContainerEngine, EngineInfo
    from reproenv.lock.model import Lock
    from reproenv.plan.model import BuildPlan
    from reproenv.runs.model import ImageState, RunRecord
    from reproenv.spec.model import Spec


class RunHook(Protocol):
    """What cli/ hands `execute` to follow a run (an experiment tracker)."""

    def environment(self, tags: Mapping[str, str]) -> Sequence[str]:
        """Variables to set in the container, given the record's tags (before it starts), as
        docker's -e items: `KEY=VALUE`, or `KEY` alone to pass this shell's value by name."""
        ...

    def volumes(self) -> Sequence[str]:
        """Folders to mount besides the project, as docker's -v items (after `environment`)."""
        ...

    def finished(self, tags: Mapping[str, str], record: Path | None, text: str) -> None:
        """The run ended: its record's file (None when it could not be written) and JSON."""
        ...


@dataclass(frozen=True)
class RunTarget:
    spec: Spec
    lock: Lock
    plan: BuildPlan
    engine: ContainerEngine
    info: EngineInfo
    image: ImageState | None  # None: the current lock's image is not built


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    record: RunRecord  # finished
    path: Path | None


def prepare(project: Path, docker: str | None) -> RunTarget:
    """Everything a run needs but the image being built: `built_image` says when it is not."""
    from reproenv.cli.pipeline import current_lock_plan
    from reproenv.engine import open_engine
    from reproenv.runs.image import image_state

    spec, lock, plan = current_lock_plan(project)
    engine = open_engine(docker)
    info = engine.info()
    inspect = engine.image_inspect(plan.image_tag)
    image = None if inspect is None else image_state(plan.image_tag, inspect)
    return RunTarget(spec, lock, plan, engine, info, image)


def built_image(target: RunTarget) -> ImageState:
    if target.image is None:
        from reproenv.errors import bad_input

        raise bad_input(
            f"no image {target.plan.image_tag} for the current reproenv.lock",
            "image-missing",
            "run `reproenv build` first (the lock changed since the last build, or none was built)",
            image=target.plan.image_tag,
        )
    return target.image


def execute(
    target: RunTarget,
    command: Sequence[str],
    request: RunRequest,
    *,
    hooks: Sequence[RunHook] = (),
    rerun_of: str | None = None,
) -> Outcome:
    from reproenv.cli.run_options import run_options

    image = built_image(target)  # rerun has checked it by then, run not yet
    spec = target.spec
    deterministic = deterministic_items(request.deterministic)
    options = run_options(target.plan, spec.project_dir, request, extra_env=deterministic)
    record = _start(target, image, command, request, options.env, rerun_of)
    added = [item for hook in hooks for item in hook.environment(record.tags())]
    mounted = tuple(volume for hook in hooks for volume in hook.volumes())
    if added or mounted:
        extra = (*deterministic, *added)
        options = run_options(target.plan, spec.project_dir, request, extra_env=extra)
        options = replace(options, volumes=(*options.volumes, *mounted))
        record = record.model_copy(update={"env": _recorded(options.env)})
    path = _write(spec.project_dir, record)
    stopper = Stopper(target.engine, f"reproenv-run-{record.id}", tty=options.tty)
    options = replace(options, name=stopper.name, on_interrupt=stopper)
    try:
        code = target.engine.run(image.tag, command, options)
    except BaseException as exc:  # Ctrl-C outside docker's handler, or the engine failing
        stopper.done()
        _finish(record, spec, None, path, isinstance(exc, KeyboardInterrupt), hooks)
        raise
    stopper.done()
    return Outcome(code, _finish(record, spec, code, path, stopper.fired, hooks), path)


def _finish(
    record: RunRecord,
    spec: Spec,
    code: int | None,
    path: Path | None,
    interrupted: bool,
    hooks: Sequence[RunHook],
) -> RunRecord:
    from reproenv.runs.recorder import finish_record
    from reproenv.runs.store import dump

    record = finish_record(
        record, spec.project_dir, spec.run_outputs, code, interrupted=interrupted
    )
    path = _write(spec.project_dir, record) if path is not None else None
    if path is not None:
        note(f"run {record.id} ({record.state}) recorded in {path.relative_to(spec.project_dir)}")
    for hook in hooks:
        hook.finished(record.tags(), path, dump(record))
    return record


def deterministic_items(on: bool) -> tuple[str, ...]:
    from reproenv.runs.environment import DETERMINISTIC_ENV

    return tuple(f"{name}={value}" for name, value in DETERMINISTIC_ENV) if on else ()


def _recorded(items: Sequence[str]) -> dict[str, str | None]:
    from reproenv.runs.environment import recorded_env

    return recorded_env(items, os.environ)


def _start(
    target: RunTarget,
    image: ImageState,
    command: Sequence[str],
    request: RunRequest,
    env: Sequence[str],
    rerun_of: str | None,
) -> RunRecord:
    from reproenv.cli.run_options import host_path
    from reproenv.host.probe import probe_host
    from reproenv.runs.model import Options
    from reproenv.runs.recorder import RunStart, start_record

    options = Options(
        cpu=request.cpu,
        user=request.user,
        volumes=tuple(host_path(item, Path.cwd()) for item in request.volumes),
        publish=request.publish,
        network=request.network,
    )
    start = RunStart(
        spec=target.spec,
        lock=target.lock,
        lock_file_hash=target.plan.lock_hash,
        image=image,
        engine=target.info,
        gpus=probe_host(docker=target.info.executable),
        command=command,
        env=_recorded(env),
        user_env=[item.split("=", 1)[0] for item in request.env],
        options=options,
        deterministic=request.deterministic,
        rerun_of=rerun_of,
    )
    return start_record(start)


def _write(project_dir: Path, record: RunRecord) -> Path | None:
    """A record that cannot be written (a read-only project) does not stop the run."""
    from reproenv.runs.store import write_record

    try:
        return write_record(project_dir, record)
    except OSError as exc:
        warn(f"cannot write the run record in {project_dir}: {exc.strerror or exc}; not recorded")
        return None


STOP_GRACE_S = 10  # docker stop's own default


class Stopper:
    """SIGINT or SIGTERM while the container runs: the run ends "interrupted", and the
    container gets the signal (docker kill), unless a terminal sent a SIGINT to docker's process
    group too. A second one kills the container."""

    def __init__(self, engine: ContainerEngine, name: str, *, tty: bool) -> None:
        self.engine, self.name, self.tty = engine, name, tty
        self.count = 0
        self._done = threading.Event()

    @property
    def fired(self) -> bool:
        return self.count > 0

    def __call__(self, signum: int = signal.SIGINT) -> None:
        self.count += 1
        if self.count == 1 and signum == signal.SIGINT and terminal_sent_it(self.tty):
            return  # docker's sig-proxy passes it on
        if self.count > 1:
            args = ["kill", "--signal", "KILL", self.name]
        elif signum == signal.SIGTERM:
            # as `docker stop`: TERM, then KILL after the grace time, since a command that is
            # the container's PID 1 ignores a TERM it has no handler for
            args = ["stop", "--time", str(STOP_GRACE_S), self.name]
        else:
            args = ["kill", "--signal", "INT", self.name]
        threading.Thread(target=self._kill, args=(args,), daemon=True).start()

    def _kill(self, args: list[str]) -> None:
        # the container may not exist yet (docker is still creating it): try a while
        for _ in range(40):
            if self._done.is_set():
                return
            if self.engine.capture(args).returncode == 0:
                return
            self._done.wait(0.25)

    def done(self) -> None:
        self._done.set()


def terminal_sent_it(tty: bool) -> bool:
    """Ctrl-C on a terminal signals its whole foreground process group, docker's client with
    it; with -t the terminal is raw, and a SIGINT can only have come from kill."""
    if tty:
        return False
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False  # no controlling terminal
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)
