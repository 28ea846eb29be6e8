"""The test bed's modern engine makes bit-for-bit images; Debian 12's does not.

The same small Dockerfile, FROM the local registry's digest-pinned Python base, is built twice
without cache on each engine. On the modern one (Docker >= 25, containerd image store, buildx)
`SOURCE_DATE_EPOCH` and `rewrite-timestamp=true` give the same manifest digest twice; Debian 12's
20.10 engine has no way to rewrite timestamps, so its two image IDs differ.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DockerHost, ModernDockerHost

pytestmark = pytest.mark.docker

EPOCH = "1700000000"
BASE = "library/python:3.11-slim-bookworm"
MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
)
# Files written during the build carry the build's time until it is rewritten, and so do the
# .pyc files compileall writes, unless SOURCE_DATE_EPOCH (declared, hence in every RUN's
# environment) makes them hash-checked.
DOCKERFILE = """\
FROM {base}
ARG SOURCE_DATE_EPOCH
RUN python3 -m venv --without-pip /opt/venv \\
 && printf 'ANSWER = 42\\n' > /opt/venv/lib/python3.11/site-packages/probe.py \\
 && /opt/venv/bin/python -m compileall -q /opt/venv
RUN /opt/venv/bin/python -c 'import probe; print(probe.ANSWER)' > /opt/venv/answer.txt
"""


def pinned_base(mirror: str) -> str:
    """The base image as reproenv pins it: the tag's current digest in the local registry."""
    name, tag = BASE.split(":")
    # a loopback registry over plain HTTP
    request = urllib.request.Request(
        f"http://{mirror}/v2/{name}/manifests/{tag}",
        method="HEAD",
        headers={"Accept": ", ".join(MEDIA_TYPES)},
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        digest = answer.headers["Docker-Content-Digest"]
    assert digest and digest.startswith("sha256:"), f"no digest for {BASE} in {mirror}"
    return f"{mirror}/{name}:{tag}@{digest}"


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mirror = os.environ.get("REPROENV_REGISTRY_MIRROR", "")
    if not mirror:
        pytest.skip("REPROENV_REGISTRY_MIRROR is unset")
    folder = tmp_path_factory.mktemp("bit-for-bit")
    (folder / "Dockerfile").write_text(DOCKERFILE.format(base=pinned_base(mirror)))
    return folder


def oci_digest(archive: Path) -> str:
    """The image's manifest digest, read from the OCI layout's index."""
    with tarfile.open(archive) as layout:
        member = layout.extractfile("index.json")
        assert member is not None
        index = json.load(member)
    (manifest,) = index["manifests"]
    return str(manifest["digest"])


def modern_build(host: ModernDockerHost, context: Path, dest: Path) -> str:
    done = host(
        "buildx", "build", "--network", "host", "--no-cache", "--provenance=false",
        "--build-arg", f"SOURCE_DATE_EPOCH={EPOCH}",
        "--output", f"type=oci,dest={dest},rewrite-timestamp=true",
        "-t", "reproenv-test/bit-for-bit:probe", str(context),
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return oci_digest(dest)


def test_modern_engine_builds_the_same_digest_twice(
    modern_docker_host: ModernDockerHost, context: Path, tmp_path: Path
) -> None:
    first = modern_build(modern_docker_host, context, tmp_path / "first.tar")
    second = modern_build(modern_docker_host, context, tmp_path / "second.tar")
    assert first == second


def test_debian_12_engine_does_not(docker_host: DockerHost, context: Path, tmp_path: Path) -> None:
    ids = []
    for n in range(2):
        iidfile = tmp_path / f"iid{n}"
        done = subprocess.run(
            [docker_host.executable, "build", "--quiet", "--network", "host", "--no-cache",
             "--build-arg", f"SOURCE_DATE_EPOCH={EPOCH}", "--iidfile", str(iidfile), str(context)],
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        ids.append(iidfile.read_text().strip())
    docker_host("image", "rm", *ids, check=False)
    # the image ID is the config's digest: its creation time and the layers' file times differ
    assert ids[0] != ids[1]
