"""MLflow: the run a `reproenv run` opens before its command, and what it logs there after.

The run is created before the container starts and the command gets its id (MLFLOW_RUN_ID)
and the store (MLFLOW_TRACKING_URI, rewritten to the path the container sees), so the
command's own `mlflow.start_run()` attaches to that same run. Afterwards reproenv adds the
run's conditions as `reproenv.*` tags, the record as an artifact under `reproenv/`, and ends
the run with the command's outcome. MLflow's client is an optional extra, imported here only.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.errors import ReproenvError, environment
from reproenv.tracking import store

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

ARTIFACT_DIR = "reproenv"  # the record's folder among the run's artifacts
DEFAULT_EXPERIMENT = "Default"
# a server's credentials reach the command by name (`-e NAME`): docker passes this shell's
# value and the value appears in no argument list
CREDENTIALS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
INSTALL_HINT = "pip install 'reproenv[mlflow]'"


@dataclass(frozen=True)
class TrackedRun:
    """An MLflow run opened for one command."""

    run_id: str
    tracking_uri: str  # as this host reaches the store (a local one by its absolute path)
    experiment_id: str
    env: tuple[str, ...] = ()  # docker -e items: the command attaches to this run
    volumes: tuple[str, ...] = ()  # docker -v items: the run's artifact folder, at its path
    note: str | None = None  # why the command cannot reach the run, when it cannot


def wanted(flag: bool | None, environ: Mapping[str, str]) -> bool:
    """On with `--mlflow`, off with `--no-mlflow`, else on when MLFLOW_TRACKING_URI is set."""
    if flag is not None:
        return flag
    return bool(environ.get("MLFLOW_TRACKING_URI"))


def start(
    tracking_uri: str | None,
    experiment: str | None,
    project_dir: Path,
    *,
    mounts: Mapping[Path, str],
    environ: Mapping[str, str] | None = None,
) -> TrackedRun:
    """Open a run in `experiment` (MLflow's "Default" when None) of the store at `tracking_uri`
    (a SQLite `mlflow.db` in the project when None). `mounts` maps host folders to their paths
    in the container (the project to the image's workdir)."""
    environ = os.environ if environ is None else environ
    uri = store.absolute(tracking_uri or store.DEFAULT_URI, project_dir)
    with _mlflow_errors("open a run", uri), _in(project_dir):
        client = _client(uri)
        experiment_id = _experiment_id(client, experiment or DEFAULT_EXPERIMENT)
        run = client.create_run(experiment_id)
    run_id, artifact_uri = run.info.run_id, run.info.artifact_uri
    inside = store.in_container(uri, mounts)
    if inside is None:
        note = (
            f"the MLflow store {uri} is outside the project, so the command in the container "
            f"cannot reach it: its own MLflow calls go elsewhere, reproenv logs to run {run_id}"
        )
        return TrackedRun(run_id, uri, experiment_id, note=note)
    env = (f"MLFLOW_RUN_ID={run_id}", f"MLFLOW_TRACKING_URI={inside}")
    if store.local_path(uri) is None:
        return TrackedRun(run_id, uri, experiment_id, env + _credentials(environ))
    return TrackedRun(run_id, uri, experiment_id, env, _artifact_volume(artifact_uri))


def finish(
    run: TrackedRun,
    tags: Mapping[str, str],
    record_path: Path,
    exit_code: int,
    interrupted: bool,
) -> None:
    """Log `tags` and the record file to the run and end it: KILLED when interrupted, else
    FINISHED for exit code 0 and FAILED for any other. Raises a `ReproenvError` on failure."""
    status = "KILLED" if interrupted else "FINISHED" if exit_code == 0 else "FAILED"
    with _mlflow_errors(f"log to run {run.run_id}", run.tracking_uri):
        client = _client(run.tracking_uri)
        from mlflow.entities import RunTag

        client.log_batch(run.run_id, tags=[RunTag(k, v) for k, v in sorted(tags.items())])
        client.log_artifact(run.run_id, str(record_path), ARTIFACT_DIR)
        client.set_terminated(run.run_id, status)


def _client(uri: str) -> MlflowClient:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as error:
        raise environment(
            f"MLflow tracking is on, but MLflow's client is not installed ({error})",
            "mlflow-missing",
            f"{INSTALL_HINT}, or run with --no-mlflow (MLFLOW_TRACKING_URI turns it on too)",
        ) from error
    # the store's set-up chatter (creating tables, migrations) is not the command's output
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=uri)


def _experiment_id(client: MlflowClient, name: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    return str(client.create_experiment(name))


def _artifact_volume(artifact_uri: str) -> tuple[str, ...]:
    """The command's MLflow writes its artifacts to the path the store recorded for the run,
    a host path: the run's artifact folder is mounted at that same path in the container."""
    path = store.local_path(artifact_uri)
    if path is None or ":" in path:  # a server's artifact store, or a path docker's -v can't take
        return ()
    Path(path).mkdir(parents=True, exist_ok=True)  # the user's, not one docker makes as root
    return (f"{path}:{path}",)


def _credentials(environ: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(name for name in CREDENTIALS if environ.get(name))


@contextlib.contextmanager
def _in(folder: Path) -> Iterator[None]:
    """MLflow puts a new store's artifacts in `./mlruns` of the current folder: the project's
    here, as for the command in the container."""
    with contextlib.chdir(folder):
        yield


@contextlib.contextmanager
def _mlflow_errors(action: str, uri: str) -> Iterator[None]:
    """MLflow's failures (its own, the database's, the file system's) as one exit-3 error."""
    try:
        yield
    except ReproenvError:
        raise
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise environment(
            f"MLflow could not {action} at {uri}: {first}",
            "mlflow-failed",
            "check MLFLOW_TRACKING_URI (a server that answers, or a store you can write), "
            "or run with --no-mlflow",
            store=uri,
        ) from error
