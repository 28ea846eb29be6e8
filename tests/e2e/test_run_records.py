"""Run records from real `reproenv run`s on the real engine: every field checked against its
source (git, `docker image inspect`, the lock, the host probe) and the shipped JSON Schema;
SIGINT or SIGTERM leaves an "interrupted" record and no container; `rerun` says "repeatable",
names an output that differs, and stops before running when the commit moved.

The project is pure Python with no package to install, in a git repository, built once for
the module. reproenv runs as `python -m reproenv` (not on the fake GPU host the other tests
use), so its record's GPUs are the real probe's."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reproenv.runs.environment import DETERMINISTIC_ENV
from reproenv.runs.schema import shipped_schema
from tests.conftest import Cli, DockerHost, Result

pytestmark = [pytest.mark.docker]

TRAIN = """\
import json, pathlib, random
random.seed(1234)
weights = [random.random() for _ in range(5)]
# set order depends on PYTHONHASHSEED: the same only when --deterministic fixes it
order = list({"alpha", "beta", "gamma", "delta", "epsilon"})
data = pathlib.Path("data/raw.csv").read_text()
pathlib.Path("metrics.json").write_text(json.dumps({"loss": sum(weights), "order": order,
                                                    "rows": data.count("\\n")}))
pathlib.Path("models").mkdir(exist_ok=True)
pathlib.Path("models/weights.txt").write_text(repr(weights))
"""
CLOCK = """\
import json, pathlib, time
pathlib.Path("metrics.json").write_text(json.dumps({"finished": time.time_ns()}))
pathlib.Path("models").mkdir(exist_ok=True)
pathlib.Path("models/weights.txt").write_text("fixed")
"""
SLEEP = "import time\nprint('started', flush=True)\ntime.sleep(120)\n"


def git(project: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=project, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


class Reproenv:
    """`python -m reproenv` with the engine's settings (the real host probe, not a fake)."""

    def __init__(self, engine_cli: Cli, project: Path) -> None:
        self.env = {k: v for k, v in engine_cli.env.items() if v is not None}
        self.project = project

    def __call__(self, *args: str, timeout: float = 300) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "reproenv", *args],
            cwd=self.project, env=self.env, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        return Result(done.returncode, done.stdout, done.stderr)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        # a session of its own: no terminal whose Ctrl-C would reach docker's client too
        return subprocess.Popen(
            [sys.executable, "-m", "reproenv", *args],
            cwd=self.project, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip


@pytest.fixture(scope="module")
def reproenv(engine_cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Reproenv:
    project = tmp_path_factory.mktemp("records") / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "raw.csv").write_text("a,b\n1,2\n3,4\n")
    (project / "requirements.in").write_text("")
    (project / "reproenv.toml").write_text(
        'name = "run-records"\n[pip]\nrequirements = ["requirements.in"]\n'
        '[run]\ninputs = ["data"]\noutputs = ["metrics.json", "models/"]\n'
    )
    for name, text in (("train.py", TRAIN), ("clock.py", CLOCK), ("sleep.py", SLEEP)):
        (project / name).write_text(text)
    runner = Reproenv(engine_cli, project)
    built = runner("build")
    assert built.code == 0, built.output
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "the experiment")
    return runner


def records(project: Path) -> dict[str, dict[str, Any]]:
    found = [json.loads(p.read_text()) for p in (project / ".reproenv" / "runs").glob("*.json")]
    return {record["id"]: record for record in found}


def newest(project: Path) -> dict[str, Any]:
    return max(records(project).values(), key=lambda record: str(record["started"]))


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def folder_hash(folder: Path) -> str:
    """The documented folder hash, written out again: path\\0sha256\\n per file in byte order."""
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: str(p).encode())
    lines = b"".join(
        p.relative_to(folder).as_posix().encode() + b"\0"
        + hashlib.sha256(p.read_bytes()).hexdigest().encode() + b"\n"
        for p in files
    )  # fmt: skip
    return sha256(lines)


def host_probe(docker: str) -> dict[str, Any]:
    """host/probe.py's answer on this machine, asked in a process of its own: this one walls
    the real GPU probe off (tests/fakes/gpu_host.py)."""
    script = (
        "import json; from reproenv.host.probe import probe_host; "
        f"print(json.dumps(probe_host(docker={docker!r}).as_dict()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_a_run_record_holds_every_field_from_its_source(
    reproenv: Reproenv, docker_host: DockerHost
) -> None:
    project = reproenv.project
    result = reproenv(
        "run", "--deterministic", "-e", "API_TOKEN=s3cret", "--", "python", "train.py"
    )
    assert result.code == 0, result.output
    record = newest(project)
    jsonschema.Draft202012Validator(shipped_schema()).validate(record)
    path = next((project / ".reproenv" / "runs").glob(f"*-{record['id']}.json"))
    assert "s3cret" not in path.read_text() and record["env"]["API_TOKEN"] == "***"

    assert (record["state"], record["exit-code"]) == ("completed", 0)
    assert record["command"] == ["python", "train.py"] and record["deterministic"] is True
    for name, value in DETERMINISTIC_ENV:
        assert record["env"][name] == value
    assert record["started"].endswith("Z") and record["started"] < record["ended"]
    assert record["rerun-of"] is None and record["comparison"] is None

    assert record["code"] == {
        "commit": git(project, "rev-parse", "HEAD"), "dirty": False, "diff-hash": None,
        "changed": [], "note": None,
    }  # fmt: skip
    inspect = json.loads(docker_host("image", "inspect", record["image"]["tag"]).stdout)[0]
    assert record["image"]["id"] == inspect["Id"]
    assert record["image"]["repo-digests"] == sorted(inspect.get("RepoDigests") or [])
    lock_text = (project / "reproenv.lock").read_text()
    assert record["lock"]["content-hash"] == tomllib.loads(lock_text)["content-hash"]
    assert record["lock"]["file-hash"] == hashlib.sha256(lock_text.encode()).hexdigest()
    assert inspect["Config"]["Labels"]["dev.reproenv.lock-hash"] == record["lock"]["file-hash"]
    spec_bytes = (project / "reproenv.toml").read_bytes()
    assert record["spec"] == {"file": "reproenv.toml", "hash": sha256(spec_bytes)}

    host, probe = record["host"], host_probe(docker_host.executable)
    assert (host["kernel"], host["machine"]) == (platform.release(), platform.machine())
    assert host["os"] == platform.freedesktop_os_release()["PRETTY_NAME"]
    assert host["cpu-cores"] == os.cpu_count()
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    assert host["memory-bytes"] == int(meminfo[1]) * 1024
    cpuinfo = Path("/proc/cpuinfo").read_text()
    if "model name" in cpuinfo:
        assert host["cpu-model"] in cpuinfo
    assert host["gpus"] == [
        {"index": g["index"], "name": g["name"], "memory-bytes": g["memory_bytes"],
         "compute-capability": g["compute_capability"], "uuid": g["uuid"]}
        for g in probe["gpus"]
    ]  # fmt: skip
    assert (host["gpu-driver"], host["cuda"], host["gpu-source"]) == (
        probe["driver_version"], probe["max_cuda"], probe["source"],
    )  # fmt: skip
    server = docker_host("version", "--format", "{{.Server.Version}}").stdout.strip()
    assert host["engine"]["server-version"] == server

    assert record["inputs"] == [
        {"path": "data", "kind": "folder", "hash": folder_hash(project / "data"), "files": 1,
         "bytes": (project / "data" / "raw.csv").stat().st_size},
    ]  # fmt: skip
    metrics = (project / "metrics.json").read_bytes()
    weights = (project / "models" / "weights.txt").stat().st_size
    assert record["outputs"] == [
        {"path": "metrics.json", "kind": "file", "hash": sha256(metrics), "files": 1,
         "bytes": len(metrics)},
        {"path": "models", "kind": "folder", "hash": folder_hash(project / "models"),
         "files": 1, "bytes": weights},
    ]  # fmt: skip

    listed = reproenv("runs")
    assert listed.code == 0 and record["id"] in listed.stdout and "completed" in listed.stdout
    shown = reproenv("runs", "show", record["id"], "--json")
    assert shown.code == 0 and json.loads(shown.stdout) == record


@pytest.mark.parametrize(
    ("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 137)], ids=["INT", "TERM"]
)
def test_a_signal_leaves_an_interrupted_record_and_no_container(
    reproenv: Reproenv, docker_host: DockerHost, signum: int, exit_code: int
) -> None:
    """Ctrl-C, or the SIGTERM a scheduler sends before it kills a job: the container is
    stopped as `docker stop` does (sleep.py, its PID 1, has no TERM handler: KILL, 137)."""
    process = reproenv.popen("run", "--", "python", "sleep.py")
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "started"
        running = newest(reproenv.project)
        assert running["state"] == "running" and running["exit-code"] is None
        process.send_signal(signum)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    record = records(reproenv.project)[running["id"]]
    assert record["state"] == "interrupted", process.stderr.read() if process.stderr else ""
    assert code == record["exit-code"] == exit_code
    name = f"reproenv-run-{record['id']}"
    for _ in range(20):
        left = docker_host("ps", "-aq", "--filter", f"name={name}").stdout.strip()
        if not left:
            break
        time.sleep(0.5)
    assert left == "", f"container {name} is still there"


def test_a_deterministic_script_reruns_as_repeatable(reproenv: Reproenv) -> None:
    assert reproenv("run", "--deterministic", "--", "python", "train.py").code == 0
    original = newest(reproenv.project)
    rerun = reproenv("rerun", original["id"])
    assert rerun.code == 0, rerun.output
    assert rerun.stdout.strip().splitlines()[-1] == "repeatable: 2 outputs identical"
    again = newest(reproenv.project)
    assert again["rerun-of"] == original["id"] and again["deterministic"] is True
    assert again["comparison"]["repeatable"] is True


def test_an_output_with_the_time_in_it_is_named(reproenv: Reproenv) -> None:
    assert reproenv("run", "--", "python", "clock.py").code == 0
    original = newest(reproenv.project)
    rerun = reproenv("rerun", original["id"])
    assert rerun.code == 1, rerun.output
    assert "not repeatable: 1 of 2 outputs differ" in rerun.stdout
    assert "  metrics.json: " in rerun.stdout and "  models" not in rerun.stdout
    assert newest(reproenv.project)["comparison"]["differing"] == ["metrics.json"]


def test_a_new_commit_is_reported_before_anything_runs(reproenv: Reproenv) -> None:
    project = reproenv.project
    assert reproenv("run", "--deterministic", "--", "python", "train.py").code == 0
    original = newest(project)
    (project / "NOTES.md").write_text("a new idea\n")
    git(project, "add", "NOTES.md")
    git(project, "commit", "-qm", "notes")
    try:
        before = (len(records(project)), (project / "metrics.json").stat().st_mtime_ns)
        rerun = reproenv("rerun", original["id"])
        assert rerun.code == 1, rerun.output
        assert "HEAD is now" in rerun.stderr and "--anyway" in rerun.stderr
        after = (len(records(project)), (project / "metrics.json").stat().st_mtime_ns)
        assert after == before  # the command did not run: no record, no output written
    finally:
        git(project, "reset", "-q", "--hard", "HEAD~1")
