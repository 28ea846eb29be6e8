"""A cold `reproenv lock` starts uv from reproenv.toml before pydantic and the models load
(lock/pip/uv_early.py), and the lock it writes is the one the full path writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import demo_project
from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex

SPEC = (
    'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64"]\n'
    '[pip]\nrequirements = ["requirements.in"]\n'
)
# `reproenv lock` in-process, noting each uv it starts and what was loaded by then
DRIVER = """
import json, os, sys
report, seen = sys.argv[1], []
def hook(event, args):
    if event == "subprocess.Popen" and os.path.basename(str(args[0])) == "uv":
        loaded = [m for m in ("pydantic", "typer", "reproenv.spec.model") if m in sys.modules]
        seen.append({"args": [str(a) for a in args[1]], "loaded": loaded})
sys.addaudithook(hook)
sys.argv = ["reproenv", "lock"]
from reproenv.cli.entry import main
try:
    main()
finally:
    with open(report, "w") as handle:
        json.dump(seen, handle)
"""


@pytest.fixture
def project(tmp_path: Path, demo_index: FakeIndex) -> Path:
    return demo_project(tmp_path / "demo", SPEC, demo_index)


@pytest.mark.parametrize("platforms", [1, 2])
def test_a_cold_lock_starts_uv_first_and_writes_the_lock_the_full_path_writes(
    cli: Cli, project: Path, tmp_path: Path, platforms: int
) -> None:
    if platforms == 2:
        spec = (project / "reproenv.toml").read_text()
        both = spec.replace('"linux/amd64"', '"linux/amd64", "linux/arm64"')
        (project / "reproenv.toml").write_text(both)
    report, scratch = tmp_path / "uv-runs.json", tmp_path / "tmp"
    scratch.mkdir()
    env = {**cli.env, "TMPDIR": str(scratch)}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(report)],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = json.loads(report.read_text())
    project_runs = [run for run in runs if "requirements.in" in run["args"]]
    # the early runs, one per platform, taken: none started again
    assert len(project_runs) == platforms
    assert all(run["loaded"] == [] for run in project_runs)
    assert list(scratch.iterdir()) == []  # its files removed
    early = {name: (project / name).read_bytes() for name in ("reproenv.lock", "requirements.lock")}
    for name in early:
        (project / name).unlink()
    full = cli("lock", "--backend", "uv", cwd=project)  # through typer: no early run
    assert full.code == 0, full.output
    assert {name: (project / name).read_bytes() for name in early} == early
    assert b"lib==1.0" in early["requirements.lock"] and b"other==2.0" in early["requirements.lock"]


def test_a_relock_starts_no_early_uv(cli: Cli, project: Path, tmp_path: Path) -> None:
    assert cli("lock", cwd=project).code == 0
    (project / "requirements.in").write_text((project / "requirements.in").read_text() + "extra\n")
    report = tmp_path / "uv-runs.json"
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(report)],
        cwd=project, env=cli.env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    project_runs = [
        run for run in json.loads(report.read_text()) if "requirements.in" in run["args"]
    ]
    assert len(project_runs) == 1 and "reproenv.spec.model" in project_runs[0]["loaded"]
