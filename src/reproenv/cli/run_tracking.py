"""`reproenv run --mlflow`: the command run inside an MLflow run (reproenv/tracking/mlflow.py).

A `RunHook` on the run record (cli/recorded_run.py): the MLflow run is opened once the record
exists and before the container starts, the command gets its id and store; when the run ends,
the record's `reproenv.*` tags and the record itself (as an artifact) are logged and the run is
ended with the command's outcome. A failure to log then is a warning: the exit code and the
record stay the command's.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.errors import ExitCode, ReproenvError

if TYPE_CHECKING:
    from reproenv.cli.recorded_run import RunHook, RunTarget
    from reproenv.tracking.mlflow import TrackedRun

RECORD_NAME = "reproenv-run.json"  # the artifact's name when the record file could not be kept


def tracking_hooks(target: RunTarget, mlflow: bool | None) -> tuple[RunHook, ...]:
    """The trackers this run reports to: MLflow when `mlflow` (or MLFLOW_TRACKING_URI) says."""
    from reproenv.tracking.mlflow import wanted

    if not wanted(mlflow, os.environ):
        return ()
    project_dir = target.spec.project_dir
    return (MlflowHook(project_dir, {project_dir: target.plan.workdir}, os.environ),)


class MlflowHook:
    """Opens the MLflow run before the container starts and ends it with the record."""

    def __init__(
        self, project_dir: Path, mounts: Mapping[Path, str], environ: Mapping[str, str]
    ) -> None:
        self.project_dir, self.mounts, self.environ = project_dir, mounts, environ
        self.run: TrackedRun | None = None

    def environment(self, tags: Mapping[str, str]) -> Sequence[str]:
        from reproenv.cli.output import warn
        from reproenv.tracking import mlflow as tracking

        self.run = tracking.start(
            self.environ.get("MLFLOW_TRACKING_URI"),
            self.environ.get("MLFLOW_EXPERIMENT_NAME"),
            self.project_dir,
            mounts=self.mounts,
            environ=self.environ,
        )
        if self.run.note:
            warn(self.run.note)
        return self.run.env

    def volumes(self) -> Sequence[str]:
        return self.run.volumes if self.run is not None else ()

    def finished(self, tags: Mapping[str, str], record: Path | None, text: str) -> None:
        from reproenv.cli.output import warn
        from reproenv.tracking import mlflow as tracking

        if self.run is None:
            return
        finished = json.loads(text)
        interrupted = finished.get("state") == "interrupted"
        code = finished.get("exit-code")
        if code is None:  # the engine failed, or a Ctrl-C before docker answered
            code = int(ExitCode.INTERRUPTED if interrupted else ExitCode.ENVIRONMENT)
        logged = {**tags, "reproenv.exit_code": str(code), "reproenv.state": finished["state"]}
        try:
            with tempfile.TemporaryDirectory(prefix="reproenv-run-") as folder:
                if record is None:  # the project was not writable: log the record's text
                    record = Path(folder) / RECORD_NAME
                    record.write_text(text, encoding="utf-8")
                tracking.finish(self.run, logged, record, int(code), interrupted)
        except ReproenvError as error:
            warn(f"{error} (the command's exit code and its record are kept)")
