"""`[devcontainer]`: its dev group and Features checked as the spec is read, each mistake
named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.spec.load import load_spec

BASE = '[pip]\nrequirements = ["requirements.in"]\n'


def spec_with(folder: Path, table: str) -> Path:
    (folder / "requirements.in").write_text("numpy\n", encoding="utf-8")
    (folder / "reproenv.toml").write_text(f"{BASE}\n[devcontainer]\n{table}", encoding="utf-8")
    return folder


def error_of(folder: Path, table: str) -> ReproenvError:
    spec_with(folder, table)
    with pytest.raises(ReproenvError) as caught:
        load_spec(folder, env={})
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    return caught.value


def test_no_table_means_no_devcontainer(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("numpy\n", encoding="utf-8")
    (tmp_path / "reproenv.toml").write_text(BASE, encoding="utf-8")
    assert load_spec(tmp_path, env={}).devcontainer is None


def test_an_empty_table_asks_for_a_devcontainer_without_a_dev_group(tmp_path: Path) -> None:
    dev = load_spec(spec_with(tmp_path, ""), env={}).devcontainer
    assert dev is not None and dev.enabled and not dev.has_dev_group


def test_the_dev_group_is_read_in_order(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.in").write_text("pytest\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n[dependency-groups]\nlint = ["ruff"]\n',
        encoding="utf-8",
    )
    table = (
        'requirements = ["requirements-dev.in"]\ngroups = ["lint"]\n'
        'tools = ["ipykernel>=6", "black"]\n'
        '[devcontainer.features."ghcr.io/devcontainers/features/github-cli:1"]\n'
        'version = "2.60.0"\ninstallDirectlyFromGitHubRelease = true\n'
    )
    dev = load_spec(spec_with(tmp_path, table), env={}).devcontainer
    assert dev is not None and dev.has_dev_group
    assert dev.requirements == ("requirements-dev.in",)
    assert dev.groups == ("lint",)
    assert dev.tools == ("ipykernel>=6", "black")
    assert dev.features == (
        (
            "ghcr.io/devcontainers/features/github-cli:1",
            (("installDirectlyFromGitHubRelease", True), ("version", "2.60.0")),
        ),
    )


def test_switched_off(tmp_path: Path) -> None:
    dev = load_spec(spec_with(tmp_path, "enabled = false\n"), env={}).devcontainer
    assert dev is not None and not dev.enabled


def test_a_missing_requirements_file_is_named(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'requirements = ["requirements-dev.in"]\n')
    assert error.reference == "missing-input-file"
    assert error.context["key"] == "devcontainer.requirements[0]"
    assert "requirements-dev.in" in error.message


def test_a_tool_that_is_not_a_requirement_is_named(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'tools = ["pytest", "ruff >="]\n')
    assert error.context["key"] == "devcontainer.tools[1]"
    assert "pytest" in error.hint


def test_a_group_pyproject_does_not_declare_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n[dependency-groups]\ndev = ["pytest"]\n',
        encoding="utf-8",
    )
    error = error_of(tmp_path, 'groups = ["test"]\n')
    assert error.context["key"] == "devcontainer.groups[0]"
    assert error.reference == "unknown-extra-or-group"
    assert "'test'" in error.message and "(it declares: dev)" in error.message


def test_a_group_without_pyproject_is_named(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'groups = ["dev"]\n')
    assert error.reference == "missing-input-file"


@pytest.mark.parametrize("feature", ["./local-feature", "https://example.com/f.tgz", "git"])
def test_a_feature_that_cannot_be_pinned_by_digest_is_refused(tmp_path: Path, feature: str) -> None:
    error = error_of(tmp_path, f'features = {{ "{feature}" = {{}} }}\n')
    assert error.context["key"] == "devcontainer.features"
    assert feature in error.message


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    spec_with(tmp_path, 'tool = ["pytest"]\n')
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path, env={})
    assert "devcontainer.tool" in caught.value.message


def test_extras_are_the_project_s_optional_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n[project.optional-dependencies]\n'
        'dev = ["ipykernel"]\n',
        encoding="utf-8",
    )
    dev = load_spec(spec_with(tmp_path, 'extras = ["dev"]\n'), env={}).devcontainer
    assert dev is not None and dev.extras == ("dev",) and dev.has_dev_group
    error = error_of(tmp_path, 'extras = ["docs"]\n')
    assert error.context["key"] == "devcontainer.extras[0]"
    assert "project.optional-dependencies" in error.message and "declares: dev" in error.message
