"""Podman as the engine: examples/sklearn-cpu built and run with Debian's podman (buildah's
cache and secret mounts, the base by digest from the local registry), and what a run writes
into the mounted project is the invoking user's."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import Cli, copy_example

pytestmark = [pytest.mark.docker, pytest.mark.network]


@pytest.fixture(scope="module")
def podman_cli(engine_cli: Cli) -> Cli:
    if shutil.which("podman") is None:
        if os.environ.get("REPROENV_REQUIRE_DOCKER") == "1":
            pytest.fail("podman is not installed (scripts/infra.sh installs it)")
        pytest.skip("podman is not installed")
    return engine_cli


@pytest.fixture(scope="module")
def project(podman_cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = copy_example("sklearn-cpu", tmp_path_factory.mktemp("podman"))
    for step in ("init", "lock"):
        result = podman_cli(step, cwd=folder)
        assert result.code == 0, f"reproenv {step} failed:\n{result.output}"
    built = podman_cli("build", "--engine", "podman", cwd=folder)
    assert built.code == 0, built.output
    assert "buildah" in built.output
    return folder


def test_build_and_run_with_podman(podman_cli: Cli, project: Path) -> None:
    result = podman_cli("run", "--engine", "podman", "--", "python", "train.py", cwd=project)
    assert result.code == 0, result.output
    assert re.search(r"^accuracy: 0\.\d{4}$", result.stdout, re.MULTILINE), result.output


def test_the_mounted_project_is_the_users(podman_cli: Cli, project: Path) -> None:
    result = podman_cli(
        "run", "--engine", "podman", "--", "sh", "-c", "echo x > made.txt", cwd=project
    )
    assert result.code == 0, result.output
    assert (project / "made.txt").stat().st_uid == os.getuid()
