"""Acceptance of `reproenv verify` on the real engine: one real build of a small project (two
pure-Python pins and one apt pin), then tiny derived images: one with an extra distribution in
the venv, one whose dpkg status says another version of the pinned apt package; the built image
against a relock with changed pins; and the image pulled by digest from a registry of the
test's own, verified from a folder with nothing but its lock."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reproenv.lock.model import read_lock
from tests.conftest import Cli, DockerHost, Result

pytestmark = [pytest.mark.docker, pytest.mark.network]

SPEC = """name = "verify-demo"
[pip]
requirements = ["requirements.in"]
[apt]
packages = ["tree"]
"""
PINS = "six==1.16.0\npackaging==24.1\n"
NEWER_PINS = "six==1.17.0\npackaging==24.2\n"
EXTRA_DIST = """FROM {image}
USER 0
RUN for site in /opt/venv/lib/python3*/site-packages; do \\
      mkdir "$site/extra_pkg-0.1.dist-info" \\
   && printf 'Metadata-Version: 2.1\\nName: extra-pkg\\nVersion: 0.1\\n' \\
        > "$site/extra_pkg-0.1.dist-info/METADATA"; done
"""
APT_EDIT = """FROM {image}
USER 0
RUN sed -i '/^Package: tree$/,/^$/ s/^Version: .*/Version: 0.0-edited/' /var/lib/dpkg/status
"""


@dataclass(frozen=True)
class Built:
    project: Path
    tag: str
    lock: Path  # a copy of the lock the image was built from
    tree: str  # the apt pin's version


@pytest.fixture(scope="module")
def built(engine_cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = tmp_path_factory.mktemp("verify") / "verify-demo"
    project.mkdir()
    (project / "reproenv.toml").write_text(SPEC)
    (project / "requirements.in").write_text(PINS)
    result = engine_cli("build", "--fingerprint", "--network", "host", cwd=project)
    assert result.code == 0, result.output
    tag = re.search(r"built (verify-demo:\S+)", result.output)
    assert tag, result.output
    lock = read_lock(project / "reproenv.lock")
    assert lock is not None
    kept = project.parent / "built.lock"
    shutil.copy(project / "reproenv.lock", kept)
    tree = next(p.version for p in lock.apt_packages if p.name == "tree")
    return Built(project, tag.group(1), kept, tree)


@pytest.fixture
def derive(docker_host: DockerHost) -> Iterator[Callable[[str, str, str], str]]:
    """Derived images from a Dockerfile on stdin (no context): seconds, no network; removed
    after the test."""
    made: list[str] = []

    def build(template: str, image: str, tag: str) -> str:
        subprocess.run(
            [docker_host.executable, "build", "-q", "-t", tag, "-"],
            input=template.format(image=image), text=True, capture_output=True, check=True,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )  # fmt: skip
        made.append(tag)
        return tag

    yield build
    for tag in made:
        docker_host("rmi", tag, check=False)


def verify_json(engine_cli: Cli, *args: str, cwd: Path) -> tuple[Result, dict[str, object]]:
    result = engine_cli("verify", "--json", *args, cwd=cwd)
    return result, json.loads(result.stdout)


def test_the_built_image_matches_its_lock(built: Built, engine_cli: Cli) -> None:
    result = engine_cli("verify", cwd=built.project)
    assert result.code == 0, result.output
    line = result.stdout.strip()
    assert line.startswith(f"{built.tag} matches "), line
    # six, packaging; tree; the build record's fingerprint (build --fingerprint wrote it)
    assert "2 pip packages" in line and "1 apt package," in line and "fingerprint" in line
    assert re.search(r"[1-9]\d* files against RECORD", line), line
    _, document = verify_json(engine_cli, cwd=built.project)
    assert document["match"] is True and document["image"] == built.tag
    assert document["checked"]["fingerprint"] == 1  # type: ignore[index]


def test_an_extra_distribution_in_the_venv_is_named(
    built: Built, engine_cli: Cli, derive: Callable[[str, str, str], str], tmp_path: Path
) -> None:
    image = derive(EXTRA_DIST, built.tag, "verify-demo-extra:test")
    result = engine_cli("verify", image, "--lock", str(built.lock), cwd=tmp_path)
    assert result.code == 1, result.output
    assert "pip:\n  extra    extra-pkg 0.1\n" in result.stdout, result.stdout
    assert "apt:" not in result.stdout and "labels:" not in result.stdout
    failed, document = verify_json(engine_cli, image, "--lock", str(built.lock), cwd=tmp_path)
    assert failed.code == 1
    assert document["differences"]["pip"] == [  # type: ignore[index]
        {"kind": "extra", "name": "extra-pkg", "lock": None, "image": "0.1"}
    ]


def test_an_apt_package_changed_inside_is_named(
    built: Built, engine_cli: Cli, derive: Callable[[str, str, str], str], tmp_path: Path
) -> None:
    image = derive(APT_EDIT, built.tag, "verify-demo-apt:test")
    result = engine_cli("verify", image, "--lock", str(built.lock), cwd=tmp_path)
    assert result.code == 1, result.output
    assert f"apt:\n  changed  tree: {built.tree} -> 0.0-edited\n" in result.stdout, result.stdout
    _, document = verify_json(engine_cli, image, "--lock", str(built.lock), cwd=tmp_path)
    assert document["differences"]["apt"] == [  # type: ignore[index]
        {"kind": "changed", "name": "tree", "lock": built.tree, "image": "0.0-edited"}
    ]
    assert document["differences"]["pip"] == []  # type: ignore[index]


def test_an_image_of_an_older_lock_names_each_changed_package(
    built: Built, engine_cli: Cli, tmp_path: Path
) -> None:
    project = tmp_path / "verify-demo"
    shutil.copytree(built.project, project)
    (project / "requirements.in").write_text(NEWER_PINS)
    relocked = engine_cli("lock", cwd=project)
    assert relocked.code == 0, relocked.output
    result = engine_cli("verify", built.tag, cwd=project)
    assert result.code == 1, result.output
    assert "  changed  packaging: 24.2 -> 24.1\n" in result.stdout, result.stdout
    assert "  changed  six: 1.17.0 -> 1.16.0\n" in result.stdout, result.stdout
    assert "  changed  dev.reproenv.lock-hash: " in result.stdout
    _, document = verify_json(engine_cli, built.tag, cwd=project)
    pip = document["differences"]["pip"]  # type: ignore[index]
    assert [(d["kind"], d["name"], d["lock"], d["image"]) for d in pip] == [
        ("changed", "packaging", "24.2", "24.1"),
        ("changed", "six", "1.17.0", "1.16.0"),
    ]
    # the current lock's own image was never built: said, not guessed
    missing = engine_cli("verify", cwd=project)
    assert missing.code == 2 and "image-missing" in missing.stderr, missing.output


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    """A registry of this test's own on a free loopback port (engines trust loopback over
    HTTP), stopped after it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    config = tmp_path / "registry.yml"
    config.write_text(
        f"version: 0.1\nlog: {{level: warn}}\nstorage: {{filesystem: {{rootdirectory: "
        f"{tmp_path / 'data'}}}}}\nhttp: {{addr: {address}}}\n"
    )
    server = subprocess.Popen(
        ["docker-registry", "serve", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://{address}/v2/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_image_pulled_by_digest_verifies_with_its_lock_alone(
    built: Built, engine_cli: Cli, docker_host: DockerHost, registry: str, tmp_path: Path
) -> None:
    pushed = f"{registry}/team/verify-demo:shared"
    docker_host("tag", built.tag, pushed)
    docker_host("push", pushed)
    digests = json.loads(docker_host("image", "inspect", pushed).stdout)[0]["RepoDigests"]
    by_digest = next(d for d in digests if d.startswith(f"{registry}/"))
    docker_host("rmi", pushed)  # the engine no longer knows it by that name: verify pulls it
    assert docker_host("image", "inspect", by_digest, check=False).returncode != 0
    elsewhere = tmp_path / "no-project"
    elsewhere.mkdir()
    shutil.copy(built.lock, elsewhere / "image.lock")
    try:
        result = engine_cli("verify", by_digest, "--lock", "image.lock", cwd=elsewhere)
        assert result.code == 0, result.output
        assert result.stdout.startswith(f"{by_digest} matches image.lock"), result.stdout
        assert docker_host("image", "inspect", by_digest, check=False).returncode == 0
    finally:
        docker_host("rmi", by_digest, check=False)  # the built tag keeps the image


def test_errors_are_named(built: Built, engine_cli: Cli, tmp_path: Path) -> None:
    no_lock = engine_cli("verify", built.tag, cwd=tmp_path)
    assert no_lock.code == 2 and "lock-missing" in no_lock.stderr, no_lock.output
    absent = engine_cli(
        "verify", "127.0.0.1:9/none/such@sha256:" + "0" * 64, "--lock", str(built.lock),
        cwd=tmp_path,
    )  # fmt: skip
    assert absent.code == 2 and "image-missing" in absent.stderr, absent.output
    assert "Traceback" not in no_lock.output + absent.output
