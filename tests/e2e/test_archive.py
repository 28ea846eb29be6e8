"""`archive` and `restore` on the real engine: a tiny pure-Python project whose base comes from
a registry this test starts, archived, then the image and the base's references removed and
the registry stopped and emptied; `restore` loads the image from the file alone and `run`
works in the restored project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost
from tests.e2e.test_run import free_port

pytestmark = [pytest.mark.docker, pytest.mark.network]

BASE = "library/python:3.11-slim-bookworm"
HOST_NETWORK = ("--network", "host")


@dataclass
class Registry:
    address: str
    storage: Path
    process: subprocess.Popen[bytes]

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.storage, ignore_errors=True)


@pytest.fixture
def own_registry(tmp_path: Path) -> Iterator[Registry]:
    """A registry of this test's own on a free loopback port (as scripts/infra.sh starts the
    shared one), which it may stop and empty."""
    if shutil.which("docker-registry") is None:
        if os.environ.get("REPROENV_REQUIRE_DOCKER"):
            pytest.fail("REPROENV_REQUIRE_DOCKER is set but docker-registry is not installed")
        pytest.skip("docker-registry is not installed")
    address = f"127.0.0.1:{free_port()}"
    storage = tmp_path / "registry"
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage: {{filesystem: {{rootdirectory: {storage}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: {address}}}\n"
    )
    log = (tmp_path / "registry.log").open("wb")
    process = subprocess.Popen(
        ["docker-registry", "serve", str(config)], stdout=log, stderr=log, start_new_session=True
    )
    registry = Registry(address, storage, process)
    try:
        for _ in range(100):
            if registry.answers():
                break
            time.sleep(0.1)
        assert registry.answers(), (tmp_path / "registry.log").read_text()
        yield registry
    finally:
        registry.stop()
        log.close()


def references(docker_host: DockerHost, registry: str) -> list[str]:
    listed = docker_host("image", "ls", "--digests", "--format", "{{json .}}").stdout
    found = []
    for line in listed.splitlines():
        row = json.loads(line)
        if row["Repository"].startswith(registry + "/"):
            if row["Tag"] not in ("", "<none>"):
                found.append(f"{row['Repository']}:{row['Tag']}")
            if row["Digest"] not in ("", "<none>"):
                found.append(f"{row['Repository']}@{row['Digest']}")
    return found


def test_archive_then_restore_runs_with_the_registry_gone(
    own_registry: Registry, docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    # the base, from the shared registry into this test's own
    shared, own = f"{docker_host.mirror}/{BASE}", f"{own_registry.address}/{BASE}"
    docker_host("pull", shared)
    docker_host("tag", shared, own)
    docker_host("push", own)
    cli = Cli({**engine_cli.env, "REPROENV_REGISTRY_MIRROR": own_registry.address,
               "REPROENV_CACHE_DIR": str(tmp_path / "cache")})  # fmt: skip
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.in").write_text("six==1.16.0\n")
    (project / "reproenv.toml").write_text(
        'name = "archive-demo"\npython = "3.11"\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    for step in (("lock",), ("build", "--fingerprint", *HOST_NETWORK)):
        done = cli(*step, cwd=project)
        assert done.code == 0, f"reproenv {' '.join(step)} failed:\n{done.output}"
    first = cli("run", "--", "python", "-c", "import six", cwd=project)  # leaves a record
    assert first.code == 0, first.output
    (record,) = (project / ".reproenv" / "runs").iterdir()
    tag = f"archive-demo:{_lock_hash(project)[:12]}"
    image_id = json.loads(docker_host("image", "inspect", tag).stdout)[0]["Id"]

    archive = tmp_path / "demo.reproenv.tar"
    done = cli("archive", "--output", str(archive), cwd=project)
    assert done.code == 0, done.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("reproenv-archive.json"))  # type: ignore[arg-type]
    assert names[0] == "reproenv-archive.json" and names[-1] == "image.tar"
    assert {"project/reproenv.lock", "project/reproenv.toml", "project/Dockerfile",
            "project/requirements.in", "sbom.cdx.json",
            f"records/runs/{record.name}"} <= set(names)  # fmt: skip
    assert f"records/builds/{image_id.replace(':', '-')}.json" in names
    assert manifest["image"] == {**manifest["image"], "id": image_id, "tag": tag}

    # the image and every reference to this registry go; the registry stops, emptied
    docker_host("rmi", tag)
    for reference in references(docker_host, own_registry.address):
        docker_host("rmi", reference, check=False)  # the tag's removal may take the digest's
    assert docker_host("image", "inspect", tag, check=False).returncode != 0
    assert not references(docker_host, own_registry.address)
    own_registry.stop()
    assert not own_registry.answers()

    restored = tmp_path / "restored"
    done = cli("restore", str(archive), "--project", str(restored), cwd=tmp_path)
    assert done.code == 0, done.output
    assert json.loads(docker_host("image", "inspect", tag).stdout)[0]["Id"] == image_id
    assert (restored / "reproenv.lock").read_bytes() == (project / "reproenv.lock").read_bytes()
    assert (restored / ".reproenv/runs" / record.name).read_bytes() == record.read_bytes()
    ran = cli("run", "--project", str(restored), "--", "python", "-c",
              "import six; print(six.__version__)", cwd=restored)  # fmt: skip
    assert (ran.code, ran.stdout.strip()) == (0, "1.16.0"), ran.output
    verified = cli("verify", "--project", str(restored), cwd=restored)
    assert verified.code == 0, verified.output

    # over the original project with a file changed: refused, named, nothing loaded
    (project / "requirements.in").write_text("six\n")
    again = cli("restore", str(archive), "--project", str(project), cwd=tmp_path)
    assert again.code == 2, again.output
    assert "requirements.in" in again.stderr and "restore-overwrite" in again.stderr


def _lock_hash(project: Path) -> str:
    import hashlib

    return hashlib.sha256((project / "reproenv.lock").read_text().encode()).hexdigest()
