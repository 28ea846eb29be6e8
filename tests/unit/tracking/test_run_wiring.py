"""`reproenv run --mlflow` around a fake engine: the command runs inside the MLflow run, the
run gets the run record's tags and the record itself, and a tracking failure never costs the
command's exit code or its record."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from reproenv.cli.recorded_run import execute
from reproenv.cli.run_options import RunRequest
from reproenv.cli.run_tracking import MlflowHook
from reproenv.engine import RunOptions
from reproenv.errors import ExitCode, ReproenvError
from tests.fakes.runs import IMAGE_ID, Behaviour, FakeEngine, make_project, make_target


def launch(project: Path, experiment: str, behaviour: Behaviour) -> tuple[FakeEngine, int]:
    engine = FakeEngine(behaviour)
    hook = MlflowHook(project, {project: "/workspace"}, {"MLFLOW_EXPERIMENT_NAME": experiment})
    command = ["python", "-c", "print(1)"]
    outcome = execute(make_target(project, engine), command, RunRequest(), hooks=[hook])
    return engine, outcome.exit_code


def only_run(project: Path, experiment: str) -> tuple[MlflowClient, str]:
    client = MlflowClient(f"sqlite:///{project}/mlflow.db")
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    (run,) = client.search_runs([found.experiment_id])
    return client, run.info.run_id


def commit(project: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip

    if not (project / ".git").exists():
        git("init", "-q")
        git("add", "reproenv.toml")
        git("commit", "-q", "-m", "spec")
    return git("rev-parse", "HEAD")


@pytest.fixture
def project(store_project: Path) -> Path:
    return make_project(store_project)


def test_the_run_holds_the_records_tags_and_the_record(
    project: Path, experiment: str, tmp_path: Path
) -> None:
    head = commit(project)
    engine, code = launch(project, experiment, lambda command, options: 0)
    assert code == 0
    client, run_id = only_run(project, experiment)
    ((_, _, options),) = engine.runs
    assert f"MLFLOW_RUN_ID={run_id}" in options.env
    assert "MLFLOW_TRACKING_URI=sqlite:////workspace/mlflow.db" in options.env
    ended = client.get_run(run_id)
    tags = {k: v for k, v in ended.data.tags.items() if k.startswith("reproenv.")}
    assert tags["reproenv.image_id"] == tags["reproenv.image_digest"] == IMAGE_ID
    assert tags["reproenv.git_commit"] == head
    assert tags["reproenv.gpu"] == "none"
    assert tags["reproenv.exit_code"] == "0"
    assert tags["reproenv.state"] == "completed"
    (artifact,) = client.list_artifacts(run_id, "reproenv")
    local = client.download_artifacts(run_id, artifact.path, str(tmp_path))
    record = json.loads(Path(local).read_text())
    assert record["id"] == tags["reproenv.run_id"] and record["exit-code"] == 0
    assert record["lock"]["content-hash"] == tags["reproenv.lock_hash"]
    assert record["env"]["MLFLOW_RUN_ID"] == run_id
    assert ended.info.status == "FINISHED"


def test_a_tracking_failure_after_the_command_keeps_its_exit_code(
    project: Path, experiment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def lose_the_run(command: Sequence[str], options: RunOptions) -> int:
        run_id = next(e for e in options.env if e.startswith("MLFLOW_RUN_ID=")).split("=")[1]
        MlflowClient(f"sqlite:///{project}/mlflow.db").delete_run(run_id)
        return 7

    _, code = launch(project, experiment, lose_the_run)
    assert code == 7
    err = capsys.readouterr().err
    assert "MLflow could not log to run" in err
    assert "exit code and its record are kept" in err


def test_an_interrupted_run_ends_killed(project: Path, experiment: str) -> None:
    def interrupted(command: Sequence[str], options: RunOptions) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        launch(project, experiment, interrupted)
    client, run_id = only_run(project, experiment)
    ended = client.get_run(run_id)
    assert ended.info.status == "KILLED"
    assert ended.data.tags["reproenv.exit_code"] == str(int(ExitCode.INTERRUPTED))
    assert ended.data.tags["reproenv.state"] == "interrupted"


def test_without_mlflow_nothing_runs(
    project: Path, experiment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in ("mlflow", "mlflow.tracking"):
        monkeypatch.setitem(sys.modules, name, None)
    engine = FakeEngine()
    hook = MlflowHook(project, {project: "/workspace"}, {"MLFLOW_EXPERIMENT_NAME": experiment})
    with pytest.raises(ReproenvError) as raised:
        execute(make_target(project, engine), ["true"], RunRequest(), hooks=[hook])
    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert "pip install 'reproenv[mlflow]'" in raised.value.hint
    assert engine.runs == []
