"""`reproenv run --mlflow`: the command run inside an MLflow run (reproenv/tracking/mlflow.py).

The tags are what `run` knows here: the lock's content-hash (the image's tag and label carry
the hash of the lock file's text instead), the image, the code's commit, the
GPUs; the record logged as the artifact is those tags with the command and its exit code.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.errors import ExitCode, ReproenvError

if TYPE_CHECKING:
    from reproenv.engine import ContainerEngine, RunOptions
    from reproenv.plan.model import BuildPlan
    from reproenv.spec.model import Spec
    from reproenv.tracking.mlflow import TrackedRun

RECORD_NAME = "reproenv-run.json"


def run_tracked(
    engine: ContainerEngine,
    image: str,
    command: Sequence[str],
    options: RunOptions,
    plan: BuildPlan,
    project_dir: Path,
    environ: Mapping[str, str],
    *,
    lock_hash: str,
) -> int:
    """Open the MLflow run, run the command attached to it, log what it ran in and end it.
    A failure to log after the command ran is a warning: the exit code stays the command's."""
    from reproenv import __version__
    from reproenv.cli.common import warn
    from reproenv.tracking import mlflow as tracking

    run = tracking.start(
        environ.get("MLFLOW_TRACKING_URI"),
        environ.get("MLFLOW_EXPERIMENT_NAME"),
        project_dir,
        mounts=options.mounts,
        environ=environ,
    )
    if run.note:
        warn(run.note)
    attached = replace(
        options, env=(*options.env, *run.env), volumes=(*options.volumes, *run.volumes)
    )
    tags = {
        "reproenv.lock_hash": lock_hash,
        "reproenv.image": image,
        "reproenv.command": shlex.join(command),
        "reproenv.version": __version__,
        "reproenv.gpu": gpu_tag(options.gpus),
        **image_tags(engine, image),
        **commit_tag(project_dir),
    }
    # until docker answers, the run ends as killed: a Ctrl-C (or a kill) on the way out
    code, interrupted = int(ExitCode.INTERRUPTED), True
    try:
        code = engine.run(image, command, attached)
        interrupted = code == ExitCode.INTERRUPTED
    except ReproenvError:
        code, interrupted = int(ExitCode.ENVIRONMENT), False
        raise
    finally:
        end(run, {**tags, "reproenv.exit_code": str(code)}, code, interrupted)
    return code


def end(run: TrackedRun, tags: dict[str, str], code: int, interrupted: bool) -> None:
    """Log the tags and the record and end the run; a failure here is only a warning."""
    from reproenv.cli.common import warn
    from reproenv.tracking import mlflow as tracking

    try:
        with tempfile.TemporaryDirectory(prefix="reproenv-run-") as folder:
            record = Path(folder) / RECORD_NAME
            record.write_text(json.dumps(tags, indent=2, sort_keys=True) + "\n")
            tracking.finish(run, tags, record, code, interrupted)
    except ReproenvError as error:
        warn(f"{error} (the command's exit code is kept)")


def lock_content_hash(spec: Spec) -> str:
    """The content-hash sealed in the project's reproenv.lock (the plan was made from it)."""
    from reproenv.lock.model import content_hash, read_lock
    from reproenv.lock.state import lock_path

    lock = read_lock(lock_path(spec))
    return content_hash(lock) if lock is not None else ""


def image_tags(engine: ContainerEngine, image: str) -> dict[str, str]:
    """The image's ID, and its digest: the registry's when it has one, else the ID."""
    inspect = engine.image_inspect(image) or {}
    image_id = str(inspect.get("Id", ""))
    digests = [str(d) for d in inspect.get("RepoDigests") or ()]
    digest = digests[0].rpartition("@")[2] if digests else image_id
    return {"reproenv.image_id": image_id, "reproenv.image_digest": digest}


def commit_tag(project_dir: Path) -> dict[str, str]:
    """The commit checked out in the project, when it is in a git repository."""
    try:
        done = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git
        return {}
    return {"reproenv.git_commit": done.stdout.strip()} if done.returncode == 0 else {}


def gpu_tag(gpus: bool) -> str:
    if not gpus:
        return "none"
    from reproenv.host.probe import probe_host

    return ", ".join(gpu.name for gpu in probe_host().gpus) or "none"
