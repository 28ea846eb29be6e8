"""`reproenv runs`, `runs show` and `rerun` through the CLI, the engine faked at its seam: a
project in a real git repository whose "container" writes metrics.json."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reproenv.cli.main import app
from reproenv.engine import RunOptions
from reproenv.errors import ReproenvError
from tests.fakes.runs import NO_GPU, FakeEngine, make_project, make_target


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = make_project(tmp_path / "p")
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-qm", "first")
    return folder


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, project: Path) -> FakeEngine:
    fake = FakeEngine(lambda command, options: write_metrics(project, "0.5"))
    monkeypatch.setattr("reproenv.host.probe.probe_host", lambda **kwargs: NO_GPU)
    monkeypatch.setattr(
        "reproenv.cli.recorded_run.prepare", lambda project, docker: make_target(project, fake)
    )
    return fake


def write_metrics(project: Path, value: str) -> int:
    (project / "metrics.json").write_text(f'{{"acc": {value}}}\n')
    return 0


def cli(*args: str) -> tuple[int, str, str]:
    """As `reproenv` ends: a ReproenvError is its message and hint on stderr, and its code."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=True, env={"COLUMNS": "200"})
    error = result.exception
    if isinstance(error, ReproenvError):
        return int(error.exit_code), result.stdout, f"{result.stderr}{error.message}\n{error.hint}"
    if error is not None and not isinstance(error, SystemExit):
        raise error
    return result.exit_code, result.stdout, result.stderr


def run_once(project: Path, *extra: str) -> str:
    code, _, err = cli("run", "--project", str(project), *extra, "--", "python", "train.py")
    assert code == 0, err
    found = [json.loads(p.read_text()) for p in (project / ".reproenv" / "runs").glob("*.json")]
    return str(max(found, key=lambda r: str(r["started"]))["id"])


def test_runs_lists_and_shows_records(project: Path, engine: FakeEngine) -> None:
    run_id = run_once(project, "--deterministic")
    code, out, _ = cli("runs", "--project", str(project))
    assert code == 0 and run_id in out and "python train.py" in out and "completed" in out
    code, out, _ = cli("runs", "--project", str(project), "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [run_id]
    code, out, _ = cli("runs", "show", run_id, "--project", str(project), "--json")
    assert code == 0 and json.loads(out)["deterministic"] is True
    code, out, _ = cli("runs", "show", run_id, "--project", str(project))
    assert code == 0 and "deterministic: yes" in out


def test_an_unknown_id_is_bad_input_naming_it(project: Path, engine: FakeEngine) -> None:
    for args in (("runs", "show", "feedf00d"), ("rerun", "feedf00d")):
        code, _, err = cli(*args, "--project", str(project))
        assert code == 2 and "'feedf00d'" in err and "reproenv runs" in err


def test_a_deterministic_output_is_repeatable(project: Path, engine: FakeEngine) -> None:
    run_id = run_once(project)
    code, out, _ = cli("rerun", run_id, "--project", str(project))
    assert (code, out.strip()) == (0, "repeatable: 1 output identical")
    found = [json.loads(p.read_text()) for p in (project / ".reproenv" / "runs").glob("*.json")]
    (rerun,) = [r for r in found if r["rerun-of"] == run_id]
    assert rerun["comparison"] == {
        "of": run_id, "identical": ["metrics.json"], "differing": [], "repeatable": True,
    }  # fmt: skip
    assert len(engine.runs) == 2 and engine.runs[1][1] == ("python", "train.py")


def test_an_output_with_the_time_in_it_is_named(project: Path, engine: FakeEngine) -> None:
    engine.behaviour = lambda c, o: write_metrics(project, repr(time.time_ns()))
    run_id = run_once(project)
    code, out, _ = cli("rerun", run_id, "--project", str(project))
    assert code == 1 and "not repeatable: 1 of 1 outputs differ" in out and "metrics.json" in out


def test_a_stale_output_is_not_proof(project: Path, engine: FakeEngine) -> None:
    run_id = run_once(project)
    engine.behaviour = lambda c, o: 0  # writes nothing: metrics.json is the first run's
    code, out, _ = cli("rerun", run_id, "--project", str(project))
    assert code == 1 and "not written by the rerun" in out


def test_a_new_commit_stops_the_rerun_before_it_runs(project: Path, engine: FakeEngine) -> None:
    run_id = run_once(project)
    (project / "train.py").write_text("print(2)\n")
    git(project, "add", "train.py")
    git(project, "commit", "-qm", "second")
    code, _, err = cli("rerun", run_id, "--project", str(project))
    assert code == 1 and "HEAD is now" in err and "--anyway" in err
    assert len(engine.runs) == 1  # the command did not run again
    code, out, _ = cli("rerun", run_id, "--project", str(project), "--anyway")
    assert code == 0 and "repeatable" in out and len(engine.runs) == 2


def test_a_changed_image_stops_the_rerun(project: Path, engine: FakeEngine) -> None:
    run_id = run_once(project)
    engine.image_id = "sha256:" + "2e" * 32
    code, _, err = cli("rerun", run_id, "--project", str(project))
    assert code == 1 and "image: recorded 1f1f1f1f1f1f" in err and len(engine.runs) == 1


def test_the_recorded_env_and_deterministic_flag_are_replayed(
    project: Path, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_now")
    run_id = run_once(project, "--deterministic", "-e", "SEED=3", "-e", "HF_TOKEN=hf_then")
    assert cli("rerun", run_id, "--project", str(project))[0] == 0
    options: RunOptions = engine.runs[1][2]
    assert "SEED=3" in options.env and "PYTHONHASHSEED=0" in options.env
    assert "HF_TOKEN" in options.env  # redacted in the record: this shell's value is passed


def test_a_record_without_outputs_cannot_be_compared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "q", outputs=())
    fake = FakeEngine()
    monkeypatch.setattr("reproenv.host.probe.probe_host", lambda **kwargs: NO_GPU)
    monkeypatch.setattr(
        "reproenv.cli.recorded_run.prepare", lambda project, docker: make_target(project, fake)
    )
    run_id = run_once(project)
    code, _, err = cli("rerun", run_id, "--project", str(project))
    assert code == 2 and "declared no outputs" in err and len(fake.runs) == 1
