"""Acceptance: `image.base = "reproenv:py3.11"` locks the curated image of base-images/ by its
digest in the local registry (`make infra` pushes the test bed's base, built through the
py3.11-bookworm-debootstrap recipe, as reproenv/python:3.11-bookworm)."""

from __future__ import annotations

import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost
from tests.fakes.package_index import FakeIndex, FakePackage

pytestmark = [pytest.mark.docker]

ACCEPT = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json"  # noqa: E501


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    with FakeIndex([FakePackage("lib", "1.0")], uv="binary").serve() as running:
        yield running


def project(folder: Path, index: FakeIndex, base: str) -> Path:
    folder.mkdir()
    (folder / "requirements.in").write_text(f"--index-url {index.url}\nlib\n")
    (folder / "reproenv.toml").write_text(
        f'name = "{folder.name}"\npython = "3.11"\n[pip]\nrequirements = ["requirements.in"]\n'
        f'[image]\nbase = "{base}"\n'
    )
    return folder


def registry_digest(registry: str, repository: str, tag: str) -> str:
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{tag}", method="HEAD"
    )
    request.add_header("Accept", ACCEPT)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        return str(answer.headers["Docker-Content-Digest"])


def test_a_catalog_name_locks_the_curated_image_by_digest(
    engine_cli: Cli, docker_host: DockerHost, index: FakeIndex, tmp_path: Path
) -> None:
    registry = docker_host.mirror.split("/")[0]
    env = {"REPROENV_BASE_IMAGES": f"{registry}/reproenv"}
    folder = project(tmp_path / "catalog", index, "reproenv:py3.11")
    result = engine_cli("lock", cwd=folder, env=env)
    assert result.code == 0, result.output
    lock = tomllib.loads((folder / "reproenv.lock").read_text())
    (image,) = lock["images"]
    assert image["reference"] == f"{registry}/reproenv/python:3.11-bookworm"
    digest = registry_digest(registry, "reproenv/python", "3.11-bookworm")
    assert digest in (image["digest"], image.get("index-digest"))
    # fresh afterwards: the input hash is of the spec as written, not of the expanded name
    assert engine_cli("lock", "--check", cwd=folder, env=env).code == 0


def test_a_catalog_name_needs_the_repository_setting(
    engine_cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    folder = project(tmp_path / "unset", index, "reproenv:py3.11")
    result = engine_cli("lock", cwd=folder, env={"REPROENV_BASE_IMAGES": ""})
    assert result.code == 2, result.output
    assert "REPROENV_BASE_IMAGES" in result.stderr and "image.base" in result.stderr
    assert "Traceback" not in result.output
    assert not (folder / "reproenv.lock").exists()
