"""Bit-for-bit images from one lock, on real engines that can rewrite timestamps.

examples/sklearn-cpu is locked once. On the modern engine (Docker 26, containerd image store,
buildx) `reproenv build --check-reproducible` builds it twice without cache and finds one image
digest. On a second instance of that engine, with its own data root (nothing built or pulled on
the first is there: a second machine, as far as this one can show it), the same check of the same
lock finds that digest again. Both pull the digest-pinned base from the local registry.
(Debian 12's engine takes the fingerprint fallback instead: tests/e2e/test_reproducible.py.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import Cli, ModernDockerHost, copy_example

pytestmark = [pytest.mark.docker, pytest.mark.network]

HOST_NETWORK = ("--network", "host")  # RUN steps reach the index as the host does
DIGEST = re.compile(r"^reproducible: digest (sha256:[0-9a-f]{64})$", re.M)
GUARANTEE = "compared image digests (timestamps rewritten to SOURCE_DATE_EPOCH"


def modern_cli(host: ModernDockerHost, cache: Path) -> Cli:
    """reproenv against `host` (its client, socket and buildx config), with its own cache."""
    env = dict(os.environ)
    env.update(
        host.env,
        REPROENV_DOCKER=host.executable,
        REPROENV_REGISTRY_MIRROR=host.mirror,
        REPROENV_CACHE_DIR=str(cache),
        COLUMNS="200",
    )
    return Cli(env)


def check_digest(cli: Cli, project: Path) -> str:
    """`build --check-reproducible` of the lock as it is: exit 0 and the one digest it printed."""
    lock = (project / "reproenv.lock").read_bytes()
    checked = cli("build", "--check-reproducible", "--locked", *HOST_NETWORK, cwd=project)
    assert checked.code == 0, checked.output
    assert GUARANTEE in " ".join(checked.stderr.split()), checked.stderr
    found = DIGEST.search(checked.stdout)
    assert found, checked.output
    assert (project / "reproenv.lock").read_bytes() == lock, "the check changed the lock"
    return found.group(1)


def data_root(host: ModernDockerHost) -> str:
    return host("info", "--format", "{{.DockerRootDir}}").stdout.strip()


@pytest.fixture(scope="module")
def project(modern_docker_host: ModernDockerHost, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/sklearn-cpu, locked once on the first engine; both engines build this lock."""
    folder = copy_example("sklearn-cpu", tmp_path_factory.mktemp("bit-for-bit"))
    cli = modern_cli(modern_docker_host, tmp_path_factory.mktemp("cache-first"))
    for step in ("init", "lock"):
        result = cli(step, cwd=folder)
        assert result.code == 0, f"reproenv {step} failed:\n{result.output}"
    return folder


@pytest.fixture(scope="module")
def first_digest(
    modern_docker_host: ModernDockerHost, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> str:
    return check_digest(modern_cli(modern_docker_host, tmp_path_factory.mktemp("cache-1")), project)


def test_two_no_cache_builds_on_the_modern_engine_give_one_digest(first_digest: str) -> None:
    # check_digest asserted exit 0 and the `reproducible: digest` line; the digest is well formed
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", first_digest)


def test_an_engine_with_its_own_data_root_builds_the_same_digest(
    modern_docker_host: ModernDockerHost,
    second_modern_docker_host: ModernDockerHost,
    project: Path,
    first_digest: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    assert data_root(second_modern_docker_host) != data_root(modern_docker_host)
    cli = modern_cli(second_modern_docker_host, tmp_path_factory.mktemp("cache-2"))
    assert check_digest(cli, project) == first_digest
