"""`reproenv run --mlflow` on the real engine, with an MLflow SQLite store in the project: the
command in the container gets the run, and the run read back with MLflow's own client holds
the image digest, the lock's content-hash, the commit and the run's record."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import Cli, DockerHost

pytestmark = [pytest.mark.docker]

SHOW_RUN = "import os; print(os.environ['MLFLOW_RUN_ID'], os.environ['MLFLOW_TRACKING_URI'])"


def git(project: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def committed_project(folder: Path) -> Path:
    """No package to install (it builds in seconds), in a git repository of its own."""
    folder.mkdir()
    (folder / "requirements.in").write_text("")
    (folder / "reproenv.toml").write_text(
        'name = "mlflow-run"\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    (folder / ".gitignore").write_text("mlflow.db\nmlruns/\n")
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "project")
    return folder


def test_run_mlflow_logs_the_conditions_to_the_commands_run(
    engine_cli: Cli, docker_host: DockerHost, tmp_path: Path
) -> None:
    project = committed_project(tmp_path / "project")
    built = engine_cli("build", cwd=project)
    assert built.code == 0, built.output
    uri = f"sqlite:///{project}/mlflow.db"
    env = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_DISABLE_TELEMETRY": "true"}
    ran = engine_cli("run", "--mlflow", "--", "python", "-c", SHOW_RUN, cwd=project, env=env)
    assert ran.code == 0, ran.output

    run_id, inside = ran.stdout.split()
    assert inside == "sqlite:////workspace/mlflow.db"  # the store at the project's mount
    client = MlflowClient(uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    tags = {k: v for k, v in run.data.tags.items() if k.startswith("reproenv.")}

    image = json.loads(docker_host("image", "inspect", tags["reproenv.image_id"]).stdout)[0]
    digests = image.get("RepoDigests") or ()
    assert tags["reproenv.image_digest"] == (digests[0] if digests else image["Id"])
    lock = tomllib.loads((project / "reproenv.lock").read_text())
    assert tags["reproenv.lock_hash"] == lock["content-hash"]
    assert tags["reproenv.git_commit"] == git(project, "rev-parse", "HEAD")
    assert tags["reproenv.exit_code"] == "0"

    (artifact,) = client.list_artifacts(run_id, "reproenv")
    (tmp_path / "back").mkdir()  # MLflow 2 downloads only into a folder that exists
    local = client.download_artifacts(run_id, artifact.path, str(tmp_path / "back"))
    record = json.loads(Path(local).read_text())
    (kept,) = (project / ".reproenv" / "runs").iterdir()  # the same record, kept in the project
    assert record == json.loads(kept.read_text())
    assert record["id"] == tags["reproenv.run_id"] and record["state"] == "completed"
    assert record["env"]["MLFLOW_RUN_ID"] == run_id
