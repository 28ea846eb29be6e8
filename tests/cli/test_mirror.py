"""`reproenv mirror` as a user runs it, between two fake registries served on loopback: the
copy, `--record`, and the mistakes (a wrong REGISTRY, no lock, a registry that refuses writes)
said in one line each, without a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.lock.model import Lock, LockedImage, dump_lock, parse_lock
from tests.conftest import Cli
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

REPO = "library/python"
PYTHON = "docker.io/library/python:3.11-slim-bookworm"


@pytest.fixture
def source() -> Iterator[FakeRegistry]:
    registry = FakeRegistry()
    registry.add_index(REPO, "3.11-slim-bookworm", ("amd64", "arm64"))
    with serve(registry) as running:
        yield running


@pytest.fixture
def dest() -> Iterator[FakeRegistry]:
    with serve(FakeRegistry()) as running:
        yield running


def locked_project(folder: Path, source: FakeRegistry) -> tuple[Path, str]:
    """A project whose lock pins python's amd64 manifest (and its index) by digest."""
    index = source.manifests[(REPO, "3.11-slim-bookworm")][0]
    amd64 = source.manifests[(REPO, "3.11-slim-bookworm-amd64")][0]
    from tests.fakes.registry import sha256

    image = LockedImage(
        reference=PYTHON, platform="linux/amd64", digest=sha256(amd64), index_digest=sha256(index)
    )
    lock = Lock(
        reproenv_version="0.1.0",
        input_hash="sha256:" + "0" * 64,
        python="3.11",
        platforms=("linux/amd64",),
        resolver="uv 0.0.0",
        wheel_platforms=("x86_64-manylinux_2_28",),
        images=(image,),
        apt_requested=(),
        apt_packages=(),
        pip_packages=(),
    )
    (folder / "reproenv.toml").write_text('name = "demo"\n')
    (folder / "reproenv.lock").write_text(dump_lock(lock))
    return folder, image.digest


def test_mirror_copies_by_digest_and_records_the_registry(
    cli: Cli, source: FakeRegistry, dest: FakeRegistry, tmp_path: Path
) -> None:
    project, digest = locked_project(tmp_path, source)
    env = {"REPROENV_REGISTRY_MIRROR": source.address}
    before = (project / "reproenv.lock").read_text()

    copied = cli("mirror", dest.address, cwd=project, env=env)

    assert copied.code == 0, copied.output
    assert copied.stdout == f"linux/amd64 {dest.address}/{REPO}@{digest}\n"
    assert "3 manifests and 2 blobs pushed" in copied.stderr
    assert dest.manifests[(REPO, digest)] == source.manifests[(REPO, digest)]
    assert (project / "reproenv.lock").read_text() == before  # only --record writes it

    recorded = cli("mirror", dest.address, "--record", "--project", str(project), cwd=tmp_path)

    assert recorded.code == 0, recorded.output
    assert f"already on {dest.address}" in recorded.stderr
    assert f"recorded {dest.address} in reproenv.lock" in recorded.stderr
    lock = parse_lock((project / "reproenv.lock").read_text(), project / "reproenv.lock")
    assert [i.mirror for i in lock.images] == [dest.address]
    # with the copy there and named by the lock, a later run needs nothing of the upstream
    source.status_override = 500
    again = cli("mirror", dest.address, cwd=project, env={"REPROENV_HTTP_RETRIES": "0"})
    assert again.code == 0, again.output


def test_a_wrong_registry_argument_is_refused_before_anything_is_read(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("mirror", "https://user:pw@registry.example.org", cwd=tmp_path)
    assert result.code == 2
    assert "bad-registry-mirror" in result.stderr and "credentials don't belong" in result.stderr
    assert "Traceback" not in result.output and "pw@" not in result.output


def test_mirror_without_a_lock_says_to_lock_first(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "reproenv.toml").write_text('name = "demo"\n')
    result = cli("mirror", "127.0.0.1:5999", cwd=tmp_path)
    assert result.code == 2 and "lock-missing" in result.stderr, result.output
    assert "reproenv lock" in result.stderr


def test_a_registry_that_refuses_writes_is_an_input_error_naming_it(
    cli: Cli, source: FakeRegistry, dest: FakeRegistry, tmp_path: Path
) -> None:
    project, _ = locked_project(tmp_path, source)
    dest.push_allowed = False
    env = {"REPROENV_REGISTRY_MIRROR": source.address}

    result = cli("mirror", dest.address, "--record", cwd=project, env=env)

    assert result.code == 2, result.output
    assert "registry-push-denied" in result.stderr and f"docker login {dest.address}" in (
        result.stderr
    )
    assert "mirror" not in (project / "reproenv.lock").read_text().split("[[images]]")[1]
