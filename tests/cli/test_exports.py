"""Acceptance: requirements.lock is derived from reproenv.lock. An edited one fails `lock
--check` and is refused by --locked / --frozen, naming the file; plain commands rewrite it
with a warning; a missing one is written with a note. Never silently."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost, snapshot
from tests.fakes.package_index import FakeIndex, FakePackage

SPEC = 'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with FakeIndex([FakePackage("lib", "1.0"), FakePackage("lib", "1.1")]).serve() as served:
        yield served


@pytest.fixture
def project(cli: Cli, tmp_path: Path, index: FakeIndex) -> Path:
    (tmp_path / "reproenv.toml").write_text(SPEC)
    (tmp_path / "requirements.in").write_text(f"--index-url {index.url}\nlib\n")
    result = cli("lock", cwd=tmp_path)
    assert result.code == 0, result.output
    return tmp_path


def edit(project: Path) -> str:
    """Downgrade a pin by hand, as someone might to 'fix' an install."""
    export = project / "requirements.lock"
    original = export.read_text()
    assert "lib==1.1" in original
    export.write_text(original.replace("lib==1.1", "lib==1.0"))
    return original


def test_check_fails_on_an_edited_export_naming_it(cli: Cli, project: Path) -> None:
    edit(project)
    before = snapshot(project)
    result = cli("lock", "--check", "--json", cwd=project)
    assert result.code == 1, result.output
    assert '"requirements-lock": "edited"' in result.stdout
    assert "requirements.lock does not match reproenv.lock" in result.stderr
    assert "lib==1.0" in result.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("flag", ["--locked", "--frozen"])
def test_generate_locked_and_frozen_refuse_an_edited_export(
    cli: Cli, project: Path, flag: str
) -> None:
    edit(project)
    before = snapshot(project)
    result = cli("generate", flag, cwd=project)
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    assert "(export-edited)" in result.stderr
    assert "requirements.lock does not match reproenv.lock" in result.stderr
    assert flag in result.stderr
    assert snapshot(project) == before, "refused: nothing written"


@pytest.mark.docker
def test_build_locked_refuses_an_edited_export(
    cli: Cli, docker_host: DockerHost, project: Path
) -> None:
    edit(project)
    before = snapshot(project)
    result = cli("build", "--locked", cwd=project, env={"REPROENV_DOCKER": docker_host.executable})
    assert result.code == 1, result.output
    assert "requirements.lock does not match reproenv.lock" in result.stderr
    assert "building" not in result.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("command", [("generate",), ("lock",)])
def test_plain_commands_rewrite_an_edited_export_with_a_warning(
    cli: Cli, project: Path, command: tuple[str, ...]
) -> None:
    original = edit(project)
    result = cli(*command, cwd=project)
    assert result.code == 0, result.output
    assert "warning: requirements.lock did not match reproenv.lock" in result.stderr
    assert "lib==1.0" in result.stderr
    assert (project / "requirements.lock").read_text() == original
    again = cli(*command, cwd=project)
    assert again.code == 0 and "requirements.lock" not in again.stderr, "said once, when rewritten"


def test_a_relock_says_when_it_replaces_an_edited_export(
    cli: Cli, project: Path, index: FakeIndex
) -> None:
    edit(project)
    (project / "requirements.in").write_text(f"--index-url {index.url}\nlib<1.1\n")
    result = cli("lock", cwd=project)
    assert result.code == 0, result.output
    assert "warning: requirements.lock did not match reproenv.lock" in result.stderr


def test_a_missing_export_is_written_with_a_note(cli: Cli, project: Path) -> None:
    export = project / "requirements.lock"
    original = export.read_text()
    export.unlink()  # e.g. never committed
    check = cli("lock", "--check", cwd=project)
    assert check.code == 0, check.output
    assert "requirements.lock is missing" in check.stderr
    assert not export.exists(), "--check writes nothing"
    result = cli("generate", "--locked", cwd=project)
    assert result.code == 0, result.output
    assert "requirements.lock was missing: wrote it from reproenv.lock" in result.stderr
    assert export.read_text() == original


def test_a_lock_over_a_requirements_lock_reproenv_did_not_write_warns(
    cli: Cli, tmp_path: Path, index: FakeIndex
) -> None:
    (tmp_path / "reproenv.toml").write_text(SPEC)
    (tmp_path / "requirements.in").write_text(f"--index-url {index.url}\nlib\n")
    (tmp_path / "requirements.lock").write_text("lib==1.0\n")
    result = cli("lock", cwd=tmp_path)
    assert result.code == 0, result.output
    assert "requirements.lock did not match reproenv.lock (reproenv did not write it)" in (
        result.stderr
    )
