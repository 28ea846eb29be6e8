"""Acceptance: each user mistake gives its exit code, a short message naming the thing and what
to do, no traceback, and leaves the project exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, Result, snapshot
from tests.fakes.registry import FakeRegistry


def assert_clean_failure(result: Result, code: int, *needles: str) -> None:
    assert result.code == code, result.output
    assert "Traceback" not in result.output
    assert "hint:" in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) <= 12  # short: a message and a hint, not a dump


def failing(cli: Cli, project: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    before = snapshot(project)
    result = cli(*args, cwd=project, env=env)
    assert snapshot(project) == before, "a failed command changed the project"
    return result


def spec(project: Path, text: str) -> None:
    (project / "reproenv.toml").write_text(text)


BASE_SPEC = 'name = "demo"\n\n[pip]\nrequirements = ["requirements.in"]\n'


def test_toml_syntax_error(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, 'name = "demo"\n[pip\n')
    result = failing(cli, sklearn_project, "lock")
    assert_clean_failure(result, 2, "reproenv.toml:2", "TOML syntax error")


def test_unknown_key(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, BASE_SPEC + "colour = true\n")
    result = failing(cli, sklearn_project, "lock")
    assert_clean_failure(result, 2, "reproenv.toml:5", "unknown key 'pip.colour'")


def test_wrong_type(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, 'name = "demo"\npython = 3.11\n')
    result = failing(cli, sklearn_project, "generate")
    assert_clean_failure(result, 2, "reproenv.toml:2", "python")


def test_missing_input_file(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, 'name = "demo"\n[pip]\nrequirements = ["requirements-dev.in"]\n')
    result = failing(cli, sklearn_project, "lock")
    assert_clean_failure(result, 2, "requirements-dev.in", "pip.requirements[0]")


@pytest.mark.network
def test_unsatisfiable_requirement(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, BASE_SPEC)
    (sklearn_project / "requirements.in").write_text("numpy<1.0,>=1.0\n")
    result = failing(cli, sklearn_project, "lock")
    assert_clean_failure(result, 2, "requirements.in", "numpy", "cannot be satisfied")


@pytest.mark.network  # the pins are resolved on the index before the base
def test_nonexistent_base_image_tag(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, BASE_SPEC + '\n[image]\nbase = "python:3.11-no-such-tag"\n')
    result = failing(cli, sklearn_project, "lock")
    assert_clean_failure(result, 2, "python:3.11-no-such-tag")


@pytest.mark.network  # the pins are resolved on the index before the base
def test_registry_unreachable(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, BASE_SPEC)
    env = {"REPROENV_REGISTRY_MIRROR": "127.0.0.1:9"}  # discard port: nothing listens
    result = failing(cli, sklearn_project, "lock", env=env)
    assert_clean_failure(result, 3, "127.0.0.1:9")


@pytest.mark.network  # the pins are resolved on the index before the base
def test_registry_answering_500(
    cli: Cli, sklearn_project: Path, fake_registry: FakeRegistry
) -> None:
    spec(sklearn_project, BASE_SPEC)
    fake_registry.status_override = 500
    try:
        result = failing(cli, sklearn_project, "lock")
    finally:
        fake_registry.status_override = None
    assert_clean_failure(result, 3, fake_registry.address)


def test_docker_engine_not_running(cli: Cli, sklearn_project: Path, tmp_path: Path) -> None:
    spec(sklearn_project, BASE_SPEC)
    env = {"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = failing(cli, sklearn_project, "build", env=env)
    assert_clean_failure(result, 3, "Docker engine is not reachable")


def test_docker_executable_missing(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, BASE_SPEC)
    result = failing(cli, sklearn_project, "build", "--docker", "no-such-docker")
    assert_clean_failure(result, 3, "no-such-docker")


def test_no_spec(cli: Cli, sklearn_project: Path) -> None:
    result = failing(cli, sklearn_project, "lock")
    assert_clean_failure(result, 2, "reproenv init")


def test_init_refuses_to_overwrite(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, BASE_SPEC)
    result = failing(cli, sklearn_project, "init")
    assert_clean_failure(result, 2, "reproenv.toml already exists", "--force")


def test_generate_refuses_to_overwrite_a_hand_written_dockerfile(
    cli: Cli, sklearn_project: Path
) -> None:
    spec(sklearn_project, BASE_SPEC)
    (sklearn_project / "Dockerfile").write_text("FROM scratch\n")
    result = failing(cli, sklearn_project, "generate")
    assert_clean_failure(result, 2, "Dockerfile exists and was not generated by reproenv")


def test_damaged_lock_is_refused_not_repaired(cli: Cli, sklearn_project: Path) -> None:
    spec(sklearn_project, BASE_SPEC)
    (sklearn_project / "reproenv.lock").write_text("version = 1\n[[images]\n")
    result = failing(cli, sklearn_project, "generate")
    assert_clean_failure(result, 2, "reproenv.lock is damaged")


def test_build_file_missing_is_named_before_any_engine_or_lock(
    cli: Cli, sklearn_project: Path
) -> None:
    spec(sklearn_project, BASE_SPEC)
    # no engine answers here: the path is checked first
    result = failing(cli, sklearn_project, "build", "--file", "Dockerfile.nope", "--docker", "no")
    assert_clean_failure(result, 2, "--file Dockerfile.nope: no such file")


def test_build_file_outside_the_project_is_refused(
    cli: Cli, sklearn_project: Path, tmp_path: Path
) -> None:
    spec(sklearn_project, BASE_SPEC)
    outside = tmp_path / "Dockerfile.elsewhere"
    outside.write_text("FROM scratch\n")
    result = failing(cli, sklearn_project, "build", "--file", str(outside))
    assert_clean_failure(result, 2, f"--file {outside} is outside the project folder")
