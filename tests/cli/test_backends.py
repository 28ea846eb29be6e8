"""Acceptance: the pip-tools and uv backends pin the same versions for the examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost

pytestmark = pytest.mark.network

SPEC = 'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'


def pins(project: Path) -> dict[str, str]:
    text = (project / "reproenv.lock").read_text()
    return dict(re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', text))


def lock_with(cli: Cli, project: Path, backend: str, env: dict[str, str] | None = None) -> str:
    (project / "reproenv.lock").unlink(missing_ok=True)
    result = cli("lock", "--backend", backend, cwd=project, env=env, timeout=900)
    assert result.code == 0, result.output
    resolver = re.search(r'resolver = "([^"]+)"', (project / "reproenv.lock").read_text())
    assert resolver is not None
    return resolver.group(1)


def test_pip_tools_and_uv_agree_on_the_example(cli: Cli, sklearn_project: Path) -> None:
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    assert lock_with(cli, sklearn_project, "uv").startswith("uv ")
    by_uv = pins(sklearn_project)
    resolver = lock_with(cli, sklearn_project, "pip-tools")
    assert resolver.startswith("pip-tools ") and "on this host" in resolver
    assert pins(sklearn_project) == by_uv
    assert len(by_uv) >= 5
    # the backend sticks: a relock after an input change uses pip-tools again
    requirements = sklearn_project / "requirements.in"
    requirements.write_text(requirements.read_text() + "threadpoolctl\n")
    assert cli("lock", cwd=sklearn_project, timeout=900).code == 0
    assert "pip-tools" in (sklearn_project / "reproenv.lock").read_text()


@pytest.mark.docker
def test_pip_tools_in_the_base_image_agrees_with_uv(
    cli: Cli, docker_host: DockerHost, sklearn_project: Path
) -> None:
    """For a target other than this host, pip-compile runs inside the pinned base image."""
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    env = {
        "REPROENV_REGISTRY_MIRROR": docker_host.mirror,
        "REPROENV_DOCKER": docker_host.executable,
        "REPROENV_PIP_TOOLS_IN_IMAGE": "1",
    }
    lock_with(cli, sklearn_project, "uv", env)
    by_uv = pins(sklearn_project)
    resolver = lock_with(cli, sklearn_project, "pip-tools", env)
    assert "in the base image" in resolver
    assert pins(sklearn_project) == by_uv
