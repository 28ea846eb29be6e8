"""Changing a lock: pins that still fit are kept, upgrades are explicit, changes are reported."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.network

SPEC = 'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'


def pins(project: Path) -> dict[str, str]:
    text = (project / "reproenv.lock").read_text()
    return dict(re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', text))


@pytest.fixture
def project(cli: Cli, sklearn_project: Path) -> Path:
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    (sklearn_project / "requirements.in").write_text("numpy<2.3\nscikit-learn\n")
    assert cli("lock", cwd=sklearn_project).code == 0
    return sklearn_project


def test_relock_keeps_pins_that_still_fit(cli: Cli, project: Path) -> None:
    before = pins(project)
    assert before["numpy"].startswith("2.2.")
    (project / "requirements.in").write_text("numpy\nscikit-learn\n")  # numpy may now move
    result = cli("lock", "--json", cwd=project)
    assert result.code == 0, result.output
    assert json.loads(result.stdout) == {"changed": False, "warnings": []}  # pins did not move
    assert pins(project) == before
    assert cli("lock", "--check", cwd=project).code == 0


def test_upgrade_package_moves_only_that_package(cli: Cli, project: Path) -> None:
    before = pins(project)
    (project / "requirements.in").write_text("numpy\nscikit-learn\n")
    result = cli("lock", "--upgrade-package", "numpy", "--json", cwd=project)
    assert result.code == 0, result.output
    after = pins(project)
    changes = json.loads(result.stdout)
    assert changes["changed"] is True
    assert changes["pip"] == [
        {"name": "numpy", "old": before["numpy"], "new": after["numpy"], "kind": "upgraded"}
    ]
    assert {k: v for k, v in after.items() if k != "numpy"} == {
        k: v for k, v in before.items() if k != "numpy"
    }


def test_changes_are_printed_for_people(cli: Cli, project: Path) -> None:
    (project / "requirements.in").write_text("numpy<2.2\nscikit-learn\n")
    result = cli("lock", cwd=project)
    assert result.code == 0, result.output
    assert re.search(r"^  ↓ numpy 2\.2\.\S+ -> 2\.1\.\S+$", result.stdout, re.MULTILINE)


def test_upgrade_of_a_fresh_newest_lock_changes_nothing(cli: Cli, project: Path) -> None:
    (project / "requirements.in").write_text("numpy\nscikit-learn\n")
    assert cli("lock", "--upgrade", cwd=project).code == 0
    result = cli("lock", "--upgrade", "--json", cwd=project)
    assert result.code == 0, result.output
    assert json.loads(result.stdout) == {"changed": False, "warnings": []}


def test_conflicts_name_the_requirement_and_file_on_each_side(cli: Cli, project: Path) -> None:
    (project / "requirements.in").write_text("numpy<2\nscikit-learn\n-r extra.txt\n")
    (project / "extra.txt").write_text("# pinned by the lab\nnumpy>=2.1\n")
    result = cli("lock", cwd=project)
    assert result.code == 2, result.output
    assert "requirements.in:1: numpy<2" in result.stderr
    assert "extra.txt:2: numpy>=2.1" in result.stderr
    assert "Traceback" not in result.output


def test_relock_keeps_the_base_digest_without_asking_the_registry(cli: Cli, project: Path) -> None:
    digest = re.search(r'digest = "(sha256:\w+)"', (project / "reproenv.lock").read_text())
    (project / "requirements.in").write_text("numpy<2.3\nscikit-learn\njoblib\n")
    result = cli("lock", cwd=project, env={"REPROENV_REGISTRY_MIRROR": "127.0.0.1:9"})
    assert result.code == 0, result.output
    assert digest and digest.group(1) in (project / "reproenv.lock").read_text()
    upgraded = cli(
        "lock", "--upgrade", cwd=project, env={"REPROENV_REGISTRY_MIRROR": "127.0.0.1:9"}
    )
    assert upgraded.code == 3, "--upgrade re-resolves the base image at the registry"
