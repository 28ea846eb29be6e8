"""`generate --devcontainer`: .devcontainer/devcontainer.json written only when asked for,
rewritten only when it changed, and a devcontainer.json of the user's left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import DEMO_TOP, lib_project, with_index
from tests.conftest import Cli, Result
from tests.fakes.package_index import FakeIndex

CONFIG = Path(".devcontainer") / "devcontainer.json"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return lib_project(tmp_path, DEMO_TOP + 'gpu = "none"\n')


def run(cli: Cli, index: FakeIndex, project: Path, *args: str) -> Result:
    return with_index(cli, index, "generate", *args, cwd=project)


def test_default_generate_writes_no_devcontainer(cli: Cli, index: FakeIndex, project: Path) -> None:
    result = run(cli, index, project)
    assert result.code == 0, result.output
    assert not (project / ".devcontainer").exists()


def test_flag_writes_the_config(cli: Cli, index: FakeIndex, project: Path) -> None:
    result = run(cli, index, project, "--devcontainer")
    assert result.code == 0, result.output
    text = (project / CONFIG).read_text()
    config = json.loads("\n".join(x for x in text.splitlines() if not x.startswith("//")))
    assert config["build"] == {"dockerfile": "../Dockerfile", "context": ".."}
    assert config["remoteUser"] == "app" and config["updateRemoteUserUID"] is True
    assert "hostRequirements" not in config and "runArgs" not in config  # gpu = "none"
    assert ".devcontainer/devcontainer.json" in result.stderr
    again = run(cli, index, project, "--devcontainer")
    assert again.code == 0 and "up to date" in again.stderr


def test_a_users_devcontainer_is_not_overwritten(cli: Cli, index: FakeIndex, project: Path) -> None:
    (project / CONFIG).parent.mkdir()
    (project / CONFIG).write_text('{"image": "mine"}\n')
    result = run(cli, index, project, "--devcontainer")
    assert result.code == 2, result.output
    assert "devcontainer.json" in result.output and "Traceback" not in result.output
    assert (project / CONFIG).read_text() == '{"image": "mine"}\n'
