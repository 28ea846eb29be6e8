"""The MLflow run of `reproenv run`, against a real local SQLite store read back with MLflow's
own client: what the container gets, what is logged after, and the command's own run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from reproenv.errors import ExitCode, ReproenvError
from reproenv.tracking import mlflow as tracking
from reproenv.tracking.mlflow import TrackedRun
from tests.unit.tracking.conftest import QUIET

TAGS = {
    "reproenv.image_digest": "sha256:" + "1" * 64,
    "reproenv.lock_hash": "a" * 64,
    "reproenv.git_commit": "c" * 40,
}


def open_run(project: Path, experiment: str, inside: str = "/workspace") -> TrackedRun:
    return tracking.start(None, experiment, project, mounts={project: inside}, environ={})


def record(folder: Path) -> Path:
    path = folder / "20261201T120000Z-abcd1234.json"
    path.write_text(json.dumps({"tags": TAGS}) + "\n")
    return path


@pytest.mark.parametrize(
    ("flag", "environ", "on"),
    [
        (True, {}, True),
        (None, {"MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"}, True),
        (None, {"MLFLOW_TRACKING_URI": ""}, False),
        (None, {}, False),
        (False, {"MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"}, False),
    ],
)
def test_wanted_by_the_flag_or_the_tracking_uri(
    flag: bool | None, environ: dict[str, str], on: bool
) -> None:
    assert tracking.wanted(flag, environ) is on


def test_the_container_gets_the_run_and_the_store_at_its_own_path(
    store_project: Path, experiment: str
) -> None:
    run = open_run(store_project, experiment)
    assert run.note is None
    assert run.tracking_uri == f"sqlite:///{store_project}/mlflow.db"
    assert run.env == (
        f"MLFLOW_RUN_ID={run.run_id}",
        "MLFLOW_TRACKING_URI=sqlite:////workspace/mlflow.db",
    )
    # the command's artifacts go where the store says, a host path: mounted there as it is
    (volume,) = run.volumes
    source, _, target = volume.partition(":")
    assert source == target
    assert Path(source).is_dir()
    assert Path(source).is_relative_to(store_project / "mlruns")
    client = MlflowClient(run.tracking_uri)
    opened = client.get_run(run.run_id)
    assert opened.info.status == "RUNNING"
    assert client.get_experiment(opened.info.experiment_id).name == experiment


@pytest.mark.parametrize(
    ("exit_code", "interrupted", "status"),
    [(0, False, "FINISHED"), (2, False, "FAILED"), (130, True, "KILLED")],
)
def test_finish_logs_the_tags_and_the_record_and_ends_the_run(
    store_project: Path,
    experiment: str,
    tmp_path: Path,
    exit_code: int,
    interrupted: bool,
    status: str,
) -> None:
    run = open_run(store_project, experiment)
    path = record(tmp_path)
    tracking.finish(run, TAGS, path, exit_code, interrupted)
    client = MlflowClient(run.tracking_uri)
    ended = client.get_run(run.run_id)
    assert ended.info.status == status
    assert {k: v for k, v in ended.data.tags.items() if k.startswith("reproenv.")} == TAGS
    (artifact,) = client.list_artifacts(run.run_id, tracking.ARTIFACT_DIR)
    assert artifact.path == f"reproenv/{path.name}"
    (tmp_path / "back").mkdir()  # MLflow 2 downloads only into a folder that exists
    local = client.download_artifacts(run.run_id, artifact.path, str(tmp_path / "back"))
    assert Path(local).read_bytes() == path.read_bytes()


def test_the_commands_own_start_run_attaches_to_the_same_run(
    store_project: Path, experiment: str, tmp_path: Path
) -> None:
    """The command is another process that gets only the container's variables (the project
    mounted at its own path here, so that they work on this host) and calls start_run()."""
    run = open_run(store_project, experiment, inside=str(store_project))
    env = dict(item.split("=", 1) for item in run.env)
    script = (
        "import mlflow\n"
        "with mlflow.start_run() as active:\n"
        "    mlflow.log_metric('accuracy', 0.75)\n"
        "    mlflow.log_text('hello', 'own/notes.txt')\n"
        "print(active.info.run_id)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,  # not the project: the variables alone lead it there
        env={"PATH": "/usr/bin:/bin", **QUIET, **env},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [run.run_id]
    tracking.finish(run, TAGS, record(tmp_path), 0, False)
    client = MlflowClient(run.tracking_uri)
    ended = client.get_run(run.run_id)
    assert ended.data.metrics == {"accuracy": 0.75}
    assert ended.data.tags["reproenv.lock_hash"] == TAGS["reproenv.lock_hash"]
    paths = {a.path for a in client.list_artifacts(run.run_id)}
    assert paths == {"own", "reproenv"}
    assert ended.info.status == "FINISHED"


def test_a_store_outside_the_project_is_not_passed_and_the_run_still_logged(
    store_project: Path, experiment: str, tmp_path: Path
) -> None:
    project = tmp_path / "elsewhere"
    project.mkdir()
    uri = f"sqlite:///{store_project}/mlflow.db"
    run = tracking.start(uri, experiment, project, mounts={project: "/workspace"}, environ={})
    assert (run.env, run.volumes) == ((), ())
    assert run.note is not None
    assert str(store_project) in run.note
    assert "outside the project" in run.note
    tracking.finish(run, TAGS, record(tmp_path), 1, False)
    assert MlflowClient(uri).get_run(run.run_id).info.status == "FAILED"


def test_a_servers_credentials_reach_the_command_by_name_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A server's URI goes in as it is; its token by name (docker -e NAME takes this shell's
    value), never as a value in the arguments."""

    class Client:
        def __init__(self, tracking_uri: str) -> None:
            self.uri = tracking_uri

        def get_experiment_by_name(self, name: str) -> object:
            return type("E", (), {"experiment_id": "7"})()

        def create_run(self, experiment_id: str) -> object:
            info = type("I", (), {"run_id": "r1", "artifact_uri": "mlflow-artifacts:/7/r1"})
            return type("R", (), {"info": info})()

    monkeypatch.setattr(tracking, "_client", Client)
    environ = {"MLFLOW_TRACKING_TOKEN": "s3cret", "MLFLOW_TRACKING_USERNAME": ""}
    uri = "http://127.0.0.1:5000"
    run = tracking.start(uri, None, tmp_path, mounts={tmp_path: "/workspace"}, environ=environ)
    assert run.env == ("MLFLOW_RUN_ID=r1", f"MLFLOW_TRACKING_URI={uri}", "MLFLOW_TRACKING_TOKEN")
    assert run.volumes == ()


def test_without_mlflow_installed_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("mlflow", "mlflow.tracking"):
        monkeypatch.setitem(sys.modules, name, None)  # `import` raises ImportError
    with pytest.raises(ReproenvError) as raised:
        tracking.start(None, None, tmp_path, mounts={}, environ={})
    error = raised.value
    assert error.exit_code == ExitCode.ENVIRONMENT
    assert error.reference == "mlflow-missing"
    assert "pip install 'reproenv[mlflow]'" in error.hint
    assert not (tmp_path / "mlflow.db").exists()


def test_a_store_mlflow_cannot_open_is_an_environment_error(tmp_path: Path) -> None:
    # a store MLflow has no plugin for (an unreachable database would be retried for minutes)
    uri = "nosuch://tracking.invalid/runs"
    with pytest.raises(ReproenvError) as raised:
        tracking.start(uri, None, tmp_path, mounts={}, environ={})
    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert raised.value.reference == "mlflow-failed"
    assert uri in raised.value.message


def test_finishing_a_deleted_run_raises_a_reproenv_error(
    store_project: Path, experiment: str, tmp_path: Path
) -> None:
    run = open_run(store_project, experiment)
    MlflowClient(run.tracking_uri).delete_run(run.run_id)
    with pytest.raises(ReproenvError) as raised:
        tracking.finish(run, TAGS, record(tmp_path), 0, False)
    assert raised.value.reference == "mlflow-failed"
    assert run.run_id in raised.value.message
