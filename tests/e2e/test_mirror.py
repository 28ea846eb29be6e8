"""`reproenv mirror` to a second real registry (docker-registry, on its own loopback port), then a
real build from the lock that names it: the second registry serves the base by the same digest,
and the build pulls it from there, with the registry the lock was made from out of reach."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reproenv.lock.model import parse_lock
from tests.conftest import Cli, DockerHost, ModernDockerHost
from tests.e2e.test_modern_reproducible import modern_cli
from tests.e2e.test_run import prerequisite

pytestmark = [pytest.mark.docker]

ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
CLOSED = "127.0.0.1:9"  # nothing listens there: whatever would pull through it fails


@dataclass(frozen=True)
class Registry:
    address: str
    log: Path

    def get(self, path: str) -> tuple[bytes, str]:
        """The body and Docker-Content-Digest of GET /v2/<path>."""
        request = urllib.request.Request(f"http://{self.address}/v2/{path}")
        request.add_header("Accept", ACCEPT)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.read(), response.headers.get("Docker-Content-Digest", "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def second_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry of this test's own (scripts/infra.sh's config, with the access log on)."""
    executable = "/usr/bin/docker-registry"
    prerequisite(Path(executable).is_file(), "docker-registry is not installed (make infra)")
    folder = tmp_path_factory.mktemp("second-registry")
    address = f"127.0.0.1:{free_port()}"
    config = folder / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: info, accesslog: {disabled: false}}\n"
        f"storage: {{filesystem: {{rootdirectory: {folder / 'data'}}}}}\n"
        f"http: {{addr: {address}}}\n"
    )
    log = folder / "registry.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [executable, "serve", str(config)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        registry = Registry(address, log)
        for _ in range(60):
            try:
                registry.get("")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the second registry did not answer on {address}:\n{log.read_text()}")
        yield registry
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_build_from_the_recorded_mirror_pulls_the_same_digest_from_it(
    engine_cli: Cli, docker_host: DockerHost, second_registry: Registry, tmp_path: Path
) -> None:
    project = tmp_path / "mirrored"
    project.mkdir()
    (project / "requirements.in").write_text("")
    (project / "reproenv.toml").write_text(
        'name = "mirrored"\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    locked = engine_cli("lock", cwd=project)
    assert locked.code == 0, locked.output
    lock_file = project / "reproenv.lock"
    (image,) = parse_lock(lock_file.read_text(), lock_file).images
    repository = image.reference.split("/", 1)[1].split(":")[0]  # library/python
    upstream_manifest = Registry(docker_host.mirror, Path()).get(
        f"{repository}/manifests/{image.digest}"
    )

    mirrored = engine_cli("mirror", second_registry.address, "--record", cwd=project)

    assert mirrored.code == 0, mirrored.output
    copy = f"{second_registry.address}/{repository}@{image.digest}"
    assert mirrored.stdout.split() == [image.platform, copy]
    served, said = second_registry.get(f"{repository}/manifests/{image.digest}")
    assert said == image.digest
    assert "sha256:" + hashlib.sha256(served).hexdigest() == image.digest
    assert served == upstream_manifest[0]  # byte for byte the shared registry's
    (recorded,) = parse_lock(lock_file.read_text(), lock_file).images
    assert recorded.mirror == second_registry.address and recorded.digest == image.digest

    seen = len(second_registry.log.read_text().splitlines())
    # the Docker Hub mirror the lock was made through is out of reach for the build
    built = engine_cli("build", cwd=project, env={"REPROENV_REGISTRY_MIRROR": CLOSED})

    assert built.code == 0, built.output
    assert f"FROM {copy}" in built.output
    # the engine itself (not reproenv) asked the second registry for that digest, and got it
    asked = [
        line
        for line in second_registry.log.read_text().splitlines()[seen:]
        if f'/{repository}/manifests/{image.digest} HTTP/1.1" 200' in line
    ]
    assert asked and all("reproenv/" not in line for line in asked), asked
    labels = docker_host(
        "image", "inspect", "--format", "{{json .Config.Labels}}", built_tag(built.output)
    ).stdout
    assert f'"org.opencontainers.image.base.digest":"{image.digest}"' in labels


def built_tag(output: str) -> str:
    return output.split("reproenv: built ", 1)[1].split()[0]


def test_an_engine_without_the_base_fetches_its_layers_from_the_mirror(
    engine_cli: Cli,
    second_modern_docker_host: ModernDockerHost,
    second_registry: Registry,
    tmp_path: Path,
) -> None:
    """The second modern engine (its own data root) emptied of images and build cache: the
    base's config and every layer come from the mirror, by the locked digests."""
    project = tmp_path / "mirrored"
    project.mkdir()
    (project / "requirements.in").write_text("")
    (project / "reproenv.toml").write_text('name = "fetched"\n[pip]\nrequirements = []\n')
    for step in (("lock",), ("mirror", second_registry.address, "--record")):
        done = engine_cli(*step, cwd=project)
        assert done.code == 0, done.output
    lock_file = project / "reproenv.lock"
    (image,) = parse_lock(lock_file.read_text(), lock_file).images
    repository = image.reference.split("/", 1)[1].split(":")[0]
    body, _ = second_registry.get(f"{repository}/manifests/{image.digest}")
    manifest = json.loads(body)
    if "manifests" in manifest:  # an index: the platform's own manifest
        arch = image.platform.split("/")[1]
        entry = next(m for m in manifest["manifests"] if m["platform"]["architecture"] == arch)
        manifest = json.loads(second_registry.get(f"{repository}/manifests/{entry['digest']}")[0])
    blobs = [manifest["config"]["digest"], *(layer["digest"] for layer in manifest["layers"])]
    engine = second_modern_docker_host
    engine("image", "prune", "-af")
    engine("builder", "prune", "-af")
    seen = len(second_registry.log.read_text().splitlines())

    cli = modern_cli(engine, tmp_path / "cache")
    built = cli("build", cwd=project, env={"REPROENV_REGISTRY_MIRROR": CLOSED})

    assert built.code == 0, built.output
    served = second_registry.log.read_text().splitlines()[seen:]
    for digest in blobs:
        assert any(f'/{repository}/blobs/{digest} HTTP/1.1" 200' in line for line in served), (
            digest,
            served,
        )
