"""The devcontainer's dev group through the CLI: locked beside the runtime pins without moving
one, exported for the Dockerfile's `dev` stage only, and the devcontainer written whenever the
spec has a [devcontainer] table."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from reproenv.plan.install import DEV_LOCK
from reproenv.render.devcontainer import DEVCONTAINER_FILE
from tests.conftest import Cli, snapshot

pytestmark = pytest.mark.network

SPEC = (
    'name = "demo"\ncommand = ["python", "train.py"]\n[pip]\nrequirements = ["requirements.in"]\n'
)


def locked(cli: Cli, project: Path, table: str | None) -> dict[str, object]:
    spec = SPEC + (f"\n[devcontainer]\n{table}" if table is not None else "")
    (project / "reproenv.toml").write_text(spec, encoding="utf-8")
    result = cli("lock", cwd=project)
    assert result.code == 0, result.output
    return tomllib.loads((project / "reproenv.lock").read_text(encoding="utf-8"))


def names(packages: object) -> set[str]:
    assert isinstance(packages, list)
    return {p["name"] for p in packages}


def test_the_dev_group_adds_pins_and_moves_none(cli: Cli, sklearn_project: Path) -> None:
    without = locked(cli, sklearn_project, None)
    assert "dev-packages" not in without
    with_dev = locked(cli, sklearn_project, 'tools = ["pytest"]\n')
    assert with_dev["pip-packages"] == without["pip-packages"]
    dev = with_dev["dev-packages"]
    assert {"pytest", "pluggy", "iniconfig"} <= names(dev)
    assert not names(dev) & names(with_dev["pip-packages"])  # only what the group adds
    assert all(p["wheels"] and p["platforms"] == ["linux/amd64"] for p in dev)  # type: ignore[attr-defined]
    runtime = (sklearn_project / "requirements.lock").read_text(encoding="utf-8")
    assert "pytest" not in runtime


def test_changing_the_dev_group_makes_the_lock_stale(cli: Cli, sklearn_project: Path) -> None:
    locked(cli, sklearn_project, 'tools = ["pytest"]\n')
    assert cli("lock", "--check", cwd=sklearn_project).code == 0
    spec = (sklearn_project / "reproenv.toml").read_text(encoding="utf-8")
    (sklearn_project / "reproenv.toml").write_text(spec.replace('"pytest"', '"pytest", "ruff"'))
    assert cli("lock", "--check", cwd=sklearn_project).code == 1


def test_a_tool_that_needs_another_runtime_pin_is_refused(cli: Cli, sklearn_project: Path) -> None:
    locked(cli, sklearn_project, None)
    before = snapshot(sklearn_project)
    spec = SPEC + '\n[devcontainer]\ntools = ["numpy<2"]\n'
    (sklearn_project / "reproenv.toml").write_text(spec, encoding="utf-8")
    result = cli("lock", cwd=sklearn_project)
    assert result.code == 2, result.output  # unsatisfiable, as for the runtime's own inputs
    assert "dev group cannot be locked beside the runtime pins" in result.output
    assert "reproenv.toml: devcontainer.tools[0]: numpy<2" in result.output
    assert "reproenv-dev-" not in result.output  # no scratch path
    assert "Traceback" not in result.output
    after = snapshot(sklearn_project)
    assert {k: v for k, v in after.items() if k != "reproenv.toml"} == {
        k: v for k, v in before.items() if k != "reproenv.toml"
    }


def test_generate_writes_the_dev_stage_and_the_devcontainer(
    cli: Cli, sklearn_project: Path
) -> None:
    locked(cli, sklearn_project, 'tools = ["pytest"]\n')
    result = cli("generate", cwd=sklearn_project)  # no --devcontainer: the table asks for it
    assert result.code == 0, result.output
    dockerfile = (sklearn_project / "Dockerfile").read_text(encoding="utf-8")
    assert "AS runtime\n" in dockerfile and "\nFROM runtime AS dev\n" in dockerfile
    assert dockerfile.rstrip().endswith("FROM runtime")  # the default target: the runtime
    dev_lock = (sklearn_project / DEV_LOCK).read_text(encoding="utf-8")
    assert "\npytest==" in dev_lock and "--hash=sha256:" in dev_lock
    text = (sklearn_project / DEVCONTAINER_FILE).read_text(encoding="utf-8")
    config = json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))
    assert config["build"]["target"] == "dev"


def test_a_switched_off_table_writes_no_devcontainer(cli: Cli, sklearn_project: Path) -> None:
    locked(cli, sklearn_project, "enabled = false\n")
    result = cli("generate", cwd=sklearn_project)
    assert result.code == 0, result.output
    assert not (sklearn_project / DEVCONTAINER_FILE).exists()
    assert "AS dev" not in (sklearn_project / "Dockerfile").read_text(encoding="utf-8")


def test_dropping_the_dev_group_removes_its_lock(cli: Cli, sklearn_project: Path) -> None:
    locked(cli, sklearn_project, 'tools = ["pytest"]\n')
    assert cli("generate", cwd=sklearn_project).code == 0
    assert (sklearn_project / DEV_LOCK).is_file()
    locked(cli, sklearn_project, "")
    assert cli("generate", cwd=sklearn_project).code == 0
    assert not (sklearn_project / DEV_LOCK).exists()
    assert "\nFROM runtime AS dev\n" in (sklearn_project / "Dockerfile").read_text()


def test_the_project_s_dev_extra_is_a_dev_group(cli: Cli, sklearn_project: Path) -> None:
    (sklearn_project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\ndependencies = ["numpy"]\n'
        '[project.optional-dependencies]\ndev = ["pytest"]\n',
        encoding="utf-8",
    )
    without = locked(cli, sklearn_project, None)
    with_dev = locked(cli, sklearn_project, 'extras = ["dev"]\n')
    assert with_dev["pip-packages"] == without["pip-packages"]
    assert "pytest" in names(with_dev["dev-packages"])
    assert "numpy" not in names(with_dev["dev-packages"])  # the runtime's pin, not the group's


def test_init_s_devcontainer_example_works_once_uncommented(
    cli: Cli, sklearn_project: Path
) -> None:
    from reproenv.spec.load import load_spec

    assert cli("init", cwd=sklearn_project).code == 0
    spec = sklearn_project / "reproenv.toml"
    lines = spec.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [devcontainer]")
    lines[start : start + 2] = [line.removeprefix("# ") for line in lines[start : start + 2]]
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dev = load_spec(sklearn_project, env={}).devcontainer
    assert dev is not None and dev.tools == ("pytest", "ipykernel")
