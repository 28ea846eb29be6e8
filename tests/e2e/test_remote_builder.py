"""`build --builder NAME`: the build goes to a buildx builder other than the client's own. On
the test bed that builder is the second modern engine, reached as a docker context of its own
(buildx lists every context as a builder with the docker driver): examples/sklearn-cpu is built
there, and the image is that engine's, not the client's default one. A builder that does not
exist, and a client without buildx, are refused before anything is locked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost, ModernDockerHost, copy_example, snapshot
from tests.e2e.test_modern_reproducible import HOST_NETWORK, modern_cli

pytestmark = [pytest.mark.docker, pytest.mark.network]

CONTEXT = "reproenv-second"


@pytest.fixture(scope="module")
def with_second_builder(
    modern_docker_host: ModernDockerHost,
    second_modern_docker_host: ModernDockerHost,
    tmp_path_factory: pytest.TempPathFactory,
) -> ModernDockerHost:
    """The first modern engine's client, with a config of its own that also knows the second
    engine as the context (and so the buildx builder) CONTEXT."""
    config = tmp_path_factory.mktemp("docker-config")
    shutil.copytree(modern_docker_host.env["DOCKER_CONFIG"], config, dirs_exist_ok=True)
    host = ModernDockerHost(
        modern_docker_host.executable,
        {**modern_docker_host.env, "DOCKER_CONFIG": str(config)},
        modern_docker_host.mirror,
        modern_docker_host.ca_cert,
    )
    second = second_modern_docker_host.env["DOCKER_HOST"]
    host("context", "create", CONTEXT, "--docker", f"host={second}")
    listed = host("buildx", "ls").stdout
    assert CONTEXT in listed, listed
    return host


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example("sklearn-cpu", tmp_path_factory.mktemp("remote-builder"))


def test_the_image_is_built_by_the_named_builder(
    with_second_builder: ModernDockerHost,
    second_modern_docker_host: ModernDockerHost,
    modern_docker_host: ModernDockerHost,
    project: Path,
    tmp_path: Path,
) -> None:
    cli = modern_cli(with_second_builder, tmp_path / "cache")
    assert cli("init", cwd=project).code == 0
    built = cli("build", "--builder", CONTEXT, *HOST_NETWORK, cwd=project)
    assert built.code == 0, built.output
    assert f"builder {CONTEXT}: driver docker" in built.stderr
    tag = built.stderr.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    # the builder's engine holds the image; the client's own engine never saw the build
    assert second_modern_docker_host("image", "inspect", tag, check=False).returncode == 0
    assert modern_docker_host("image", "inspect", tag, check=False).returncode != 0
    ran = second_modern_docker_host("run", "--rm", tag, "python", "-c", "import sklearn")
    assert ran.returncode == 0, ran.stderr


def test_an_unknown_builder_is_refused_before_anything_is_written(
    with_second_builder: ModernDockerHost, project: Path, tmp_path: Path
) -> None:
    cli = modern_cli(with_second_builder, tmp_path / "cache")
    before = snapshot(project)
    refused = cli("build", "--builder", "no-such-builder", cwd=project)
    assert refused.code == 2, refused.output
    assert "no buildx builder 'no-such-builder'" in refused.stderr
    assert "docker buildx ls" in refused.stderr and "Traceback" not in refused.output
    assert snapshot(project) == before


def test_a_client_without_buildx_is_refused(
    engine_cli: Cli, docker_host: DockerHost, project: Path
) -> None:
    has_buildx = docker_host("buildx", "version", check=False).returncode == 0
    if has_buildx:
        pytest.skip("the default docker client has buildx here")
    refused = engine_cli("build", "--builder", CONTEXT, cwd=project)
    assert refused.code == 2, refused.output
    assert "no buildx plugin" in refused.stderr
    assert os.environ.get("BUILDX_BUILDER") is None  # the test process is untouched
