"""`reproenv run --mlflow` around a fake engine: the command runs inside the MLflow run, the
run gets what `run` knows, and a tracking failure never costs the command's exit code."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from reproenv.cli.run_tracking import RECORD_NAME, run_tracked
from reproenv.engine import RunOptions
from reproenv.errors import ExitCode, ReproenvError
from tests.fakes.plans import make_build_plan

IMAGE_ID = "sha256:" + "1" * 64
REPO_DIGEST = "sha256:" + "2" * 64
PLAN = make_build_plan()
LOCK_HASH = "sha256:" + "3" * 64


class Engine:
    """Inspects one image and runs `command` through `behave` (the container's stand-in)."""

    def __init__(self, behave: Callable[[RunOptions], int]) -> None:
        self.behave = behave
        self.ran: list[RunOptions] = []

    def image_inspect(self, image: str) -> dict[str, object]:
        return {"Id": IMAGE_ID, "RepoDigests": [f"127.0.0.1:5055/demo@{REPO_DIGEST}"]}

    def run(self, image: str, command: Sequence[str], options: RunOptions) -> int:
        self.ran.append(options)
        return self.behave(options)


def launch(engine: Engine, project: Path, experiment: str) -> int:
    options = RunOptions(workdir="/workspace", mounts={project: "/workspace"}, env=("HOME=/h",))
    environ = {"MLFLOW_EXPERIMENT_NAME": experiment}
    command = ["python", "-c", "print(1)"]
    return run_tracked(
        engine,  # type: ignore[arg-type]
        "demo:tag",
        command,
        options,
        PLAN,
        project,
        environ,
        lock_hash=LOCK_HASH,
    )


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
        (project / "train.py").write_text("print(1)\n")
        git("add", "train.py")
        git("commit", "-q", "-m", "train")
    return git("rev-parse", "HEAD")


def test_the_run_holds_the_conditions_and_the_record(
    store_project: Path, experiment: str, tmp_path: Path
) -> None:
    head = commit(store_project)
    engine = Engine(lambda options: 0)
    assert launch(engine, store_project, experiment) == 0
    client, run_id = only_run(store_project, experiment)
    (options,) = engine.ran
    assert options.env[0] == "HOME=/h"
    assert f"MLFLOW_RUN_ID={run_id}" in options.env
    assert "MLFLOW_TRACKING_URI=sqlite:////workspace/mlflow.db" in options.env
    ended = client.get_run(run_id)
    tags = {k: v for k, v in ended.data.tags.items() if k.startswith("reproenv.")}
    assert tags["reproenv.lock_hash"] == LOCK_HASH
    assert tags["reproenv.image_id"] == IMAGE_ID
    assert tags["reproenv.image_digest"] == REPO_DIGEST
    assert tags["reproenv.git_commit"] == head
    assert tags["reproenv.gpu"] == "none"
    assert tags["reproenv.exit_code"] == "0"
    assert tags["reproenv.command"] == "python -c 'print(1)'"
    local = client.download_artifacts(run_id, f"reproenv/{RECORD_NAME}", str(tmp_path))
    assert json.loads(Path(local).read_text()) == tags
    assert ended.info.status == "FINISHED"


def test_a_tracking_failure_after_the_command_keeps_its_exit_code(
    store_project: Path, experiment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def lose_the_run(options: RunOptions) -> int:
        run_id = next(e for e in options.env if e.startswith("MLFLOW_RUN_ID=")).split("=")[1]
        MlflowClient(f"sqlite:///{store_project}/mlflow.db").delete_run(run_id)
        return 7

    assert launch(Engine(lose_the_run), store_project, experiment) == 7
    err = capsys.readouterr().err
    assert "warning" in err
    assert "MLflow could not log to run" in err
    assert "exit code is kept" in err


def test_an_interrupted_run_ends_killed(store_project: Path, experiment: str) -> None:
    def interrupted(options: RunOptions) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        launch(Engine(interrupted), store_project, experiment)
    client, run_id = only_run(store_project, experiment)
    ended = client.get_run(run_id)
    assert ended.info.status == "KILLED"
    assert ended.data.tags["reproenv.exit_code"] == str(int(ExitCode.INTERRUPTED))


def test_without_mlflow_nothing_runs(
    store_project: Path, experiment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in ("mlflow", "mlflow.tracking"):
        monkeypatch.setitem(sys.modules, name, None)
    engine = Engine(lambda options: 0)
    with pytest.raises(ReproenvError) as raised:
        launch(engine, store_project, experiment)
    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert "pip install 'reproenv[mlflow]'" in raised.value.hint
    assert engine.ran == []
