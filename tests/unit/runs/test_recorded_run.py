"""`run`'s recorded launch against a fake engine: the record exists (state "running") while
the container runs and is finished however the run ends; --deterministic and trackers' hooks
reach the container's variables."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from reproenv.cli.recorded_run import execute
from reproenv.cli.run_options import RunRequest
from reproenv.engine import RunOptions
from reproenv.runs.environment import DETERMINISTIC_ENV
from reproenv.runs.store import list_records
from tests.fakes.runs import NO_GPU, FakeEngine, env_of, make_project, make_target


@pytest.fixture(autouse=True)
def no_gpu_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reproenv.host.probe.probe_host", lambda **kwargs: NO_GPU)


def records(project: Path) -> list[dict[str, object]]:
    folder = project / ".reproenv" / "runs"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_the_record_is_written_at_start_and_finished(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    seen: list[dict[str, object]] = []

    def container(command: Sequence[str], options: RunOptions) -> int:
        seen.extend(records(project))
        (project / "metrics.json").write_text('{"acc": 1}\n')
        return 0

    outcome = execute(make_target(project, FakeEngine(container)), ["python", "t.py"], RunRequest())
    assert [r["state"] for r in seen] == ["running"] and seen[0]["exit-code"] is None
    (final,) = records(project)
    assert final["id"] == seen[0]["id"] == outcome.record.id
    assert (final["state"], final["exit-code"], final["command"]) == (
        "completed",
        0,
        ["python", "t.py"],
    )
    assert [o["path"] for o in final["outputs"]] == ["metrics.json"]  # type: ignore[index]
    assert [i["path"] for i in final["inputs"]] == ["data"]  # type: ignore[index]
    assert final["deterministic"] is False and "PYTHONHASHSEED" not in final["env"]  # type: ignore[operator]


def test_a_failing_command_is_failed(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    outcome = execute(make_target(project, FakeEngine(lambda c, o: 3)), ["false"], RunRequest())
    assert (outcome.exit_code, outcome.record.state) == (3, "failed")


def test_sigint_while_the_container_runs_is_interrupted_and_stops_it(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    engine = FakeEngine()

    def container(command: Sequence[str], options: RunOptions) -> int:
        assert options.on_interrupt is not None and options.name
        options.on_interrupt()  # what the engine's SIGINT handler calls
        engine.captured_done = True  # type: ignore[attr-defined]
        import time

        for _ in range(100):  # the kill goes from a thread
            if engine.captured:
                break
            time.sleep(0.01)
        return 130

    engine.behaviour = container
    outcome = execute(make_target(project, engine), ["sleep"], RunRequest())
    assert (outcome.record.state, outcome.exit_code) == ("interrupted", 130)
    name = engine.runs[0][2].name
    assert engine.captured[0] == ["kill", "--signal", "INT", name]


def test_sigterm_from_a_scheduler_is_interrupted_and_passed_to_the_container(
    tmp_path: Path,
) -> None:
    import signal
    import time

    project = make_project(tmp_path / "p")
    engine = FakeEngine()

    def container(command: Sequence[str], options: RunOptions) -> int:
        assert options.on_interrupt is not None
        options.on_interrupt(signal.SIGTERM)  # what the engine's SIGTERM handler calls
        for _ in range(100):  # the kill goes from a thread
            if engine.captured:
                break
            time.sleep(0.01)
        return 143

    engine.behaviour = container
    outcome = execute(make_target(project, engine), ["sleep"], RunRequest())
    assert (outcome.record.state, outcome.exit_code) == ("interrupted", 143)
    assert engine.captured[0] == ["stop", "--time", "10", engine.runs[0][2].name]


def test_ctrl_c_outside_dockers_handler_still_finishes_the_record(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")

    def container(command: Sequence[str], options: RunOptions) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(make_target(project, FakeEngine(container)), ["x"], RunRequest())
    (final,) = records(project)
    assert (final["state"], final["exit-code"]) == ("interrupted", None)


def test_deterministic_sets_and_records_the_variables_and_user_env_wins(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    engine = FakeEngine()
    request = RunRequest(env=("PYTHONHASHSEED=7", "HF_TOKEN=hf_abc"), deterministic=True)
    outcome = execute(make_target(project, engine), ["x"], request)
    container_env = env_of(engine.runs[0][2])
    for name, value in DETERMINISTIC_ENV:
        if name != "PYTHONHASHSEED":
            assert container_env[name] == value
            assert outcome.record.env[name] == value
    items = list(engine.runs[0][2].env)
    assert items.index("PYTHONHASHSEED=0") < items.index(
        "PYTHONHASHSEED=7"
    )  # docker keeps the last
    assert outcome.record.env["PYTHONHASHSEED"] == "7"
    assert outcome.record.env["HF_TOKEN"] == "***" and outcome.record.deterministic
    assert (
        "hf_abc"
        not in (project / ".reproenv" / "runs")
        .joinpath(next((project / ".reproenv" / "runs").iterdir()).name)
        .read_text()
    )
    assert outcome.record.user_env == ("PYTHONHASHSEED", "HF_TOKEN")


class Tracker:
    def __init__(self) -> None:
        self.tags: Mapping[str, str] = {}
        self.finished_with: tuple[Path | None, str] | None = None

    def environment(self, tags: Mapping[str, str]) -> tuple[str, ...]:
        self.tags = tags
        return ("MLFLOW_RUN_ID=r1",)

    def volumes(self) -> tuple[str, ...]:
        return ("/srv/mlartifacts:/srv/mlartifacts",)

    def finished(self, tags: Mapping[str, str], record: Path | None, text: str) -> None:
        self.finished_with = (record, text)


def test_hooks_add_variables_before_and_get_the_record_after(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    engine, tracker = FakeEngine(), Tracker()
    outcome = execute(make_target(project, engine), ["x"], RunRequest(), hooks=[tracker])
    assert env_of(engine.runs[0][2])["MLFLOW_RUN_ID"] == "r1"
    assert "/srv/mlartifacts:/srv/mlartifacts" in engine.runs[0][2].volumes
    assert outcome.record.env["MLFLOW_RUN_ID"] == "r1"
    assert tracker.tags["reproenv.image_id"] == outcome.record.image.id
    assert tracker.finished_with is not None
    path, text = tracker.finished_with
    assert path == outcome.path and json.loads(text)["state"] == "completed"
    assert len(list_records(project)) == 1
