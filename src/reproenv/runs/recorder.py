"""A run's record from its sources: written when the container starts (state "running"), then
finished with the end time, exit code, end state and output hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reproenv.engine import EngineInfo
from reproenv.host.report import HostGpuReport
from reproenv.lock.model import Lock, content_hash
from reproenv.runs.git import Git, collect_code
from reproenv.runs.hashing import hash_paths
from reproenv.runs.machine import collect_host
from reproenv.runs.model import (
    SCHEMA_VERSION,
    ImageState,
    LockState,
    Options,
    RunRecord,
    SpecState,
    State,
)
from reproenv.runs.store import new_run_id, now
from reproenv.spec.model import Spec


@dataclass(frozen=True)
class RunStart:
    """What `run` knows when the container is about to start."""

    spec: Spec
    lock: Lock
    lock_file_hash: str  # the plan's lock hash: sha256 of reproenv.lock's text
    image: ImageState
    engine: EngineInfo
    gpus: HostGpuReport
    command: Sequence[str]
    env: Mapping[str, str | None]  # already redacted
    user_env: Sequence[str] = ()
    options: Options = field(
        default_factory=lambda: Options(cpu=False, user=None, volumes=(), publish=(), network=None)
    )
    deterministic: bool = False
    rerun_of: str | None = None


def spec_state(spec: Spec) -> SpecState:
    source = spec.source
    name = source.name if source.parent == spec.project_dir else str(source)
    return SpecState(file=name, hash="sha256:" + hashlib.sha256(source.read_bytes()).hexdigest())


def start_record(
    start: RunStart, *, git: Git | None = None, proc_root: Path = Path("/proc")
) -> RunRecord:
    spec = start.spec
    return RunRecord(
        schema_version=SCHEMA_VERSION,
        id=new_run_id(),
        state="running",
        started=now(),
        ended=None,
        exit_code=None,
        command=tuple(start.command),
        deterministic=start.deterministic,
        env=dict(start.env),
        user_env=tuple(dict.fromkeys(start.user_env)),
        options=start.options,
        spec=spec_state(spec),
        lock=LockState(content_hash=content_hash(start.lock), file_hash=start.lock_file_hash),
        image=start.image,
        code=collect_code(spec.project_dir, spec.run_outputs, git),
        host=collect_host(start.engine, start.gpus, proc_root=proc_root),
        inputs=hash_paths(spec.project_dir, spec.run_inputs),
        outputs=(),
        rerun_of=start.rerun_of,
        comparison=None,
    )


def end_state(exit_code: int | None, interrupted: bool) -> State:
    if interrupted:
        return "interrupted"
    return "completed" if exit_code == 0 else "failed"


def finish_record(
    record: RunRecord,
    project_dir: Path,
    outputs: Sequence[str],
    exit_code: int | None,
    *,
    interrupted: bool,
) -> RunRecord:
    return record.model_copy(
        update={
            "ended": now(),
            "exit_code": exit_code,
            "state": end_state(exit_code, interrupted),
            "outputs": hash_paths(project_dir, outputs),
        }
    )
