"""`reproenv publish` as a user runs it: the mistakes said before any lock, engine or registry."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli


def project(folder: Path, publish: str = "") -> Path:
    (folder / "reproenv.toml").write_text(f'name = "demo"\npython = "3.11"\n{publish}')
    return folder


def test_no_repository_names_the_spec_key_and_the_option(cli: Cli, tmp_path: Path) -> None:
    result = cli("publish", cwd=project(tmp_path))
    assert result.code == 2, result.output
    assert "no repository to publish to" in result.stderr
    assert "[publish] repository" in result.stderr and "--repository" in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_repository_option_is_named(cli: Cli, tmp_path: Path) -> None:
    result = cli("publish", "--repository", "Org/Name", cwd=project(tmp_path))
    assert result.code == 2, result.output
    assert "--repository 'Org/Name' is not a repository to publish to" in result.stderr


def test_a_bad_spec_value_names_its_key(cli: Cli, tmp_path: Path) -> None:
    spec = '[publish]\nrepository = "ghcr.io/org/name:latest"\n'
    result = cli("publish", cwd=project(tmp_path, spec))
    assert result.code == 2, result.output
    assert "reproenv.toml:4: publish.repository" in result.stderr
    assert "a tag does not belong" in result.stderr


def test_without_a_lock_it_says_to_lock(cli: Cli, tmp_path: Path) -> None:
    spec = '[publish]\nrepository = "127.0.0.1:5000/org/name"\n'
    result = cli("publish", cwd=project(tmp_path, spec))
    assert result.code == 2, result.output
    assert "reproenv lock" in result.stderr
