"""The push protocol against the fake registry's write side (tests/fakes/registry_push.py):
monolithic and chunked uploads checked against their digest as they pass, existence checks,
cross-repository mounts, manifests by digest, and the auth dance for writes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.oci.push import RegistryPusher
from reproenv.oci.reference import ImageRef, Target, copy_target, parse_mirror
from reproenv.settings import NetworkSettings
from tests.fakes.registry import DOCKER_MANIFEST, FakeRegistry, sha256
from tests.fakes.registry_server import serve

DEST = "127.0.0.1:5056"
REPO = "library/python"
DATA = b"layer bytes that span a few chunks"
CREDENTIALS = {"REPROENV_REGISTRY_USERNAME": "alice", "REPROENV_REGISTRY_PASSWORD": "s3cret"}


def target(registry: FakeRegistry) -> Target:
    upstream = ImageRef.parse("python:3.11-slim-bookworm")
    return copy_target(upstream, parse_mirror(registry.address))


@contextmanager
def pushing(
    registry: FakeRegistry,
    tmp_path: Path,
    *,
    mode: str = "mock-transport",
    chunk_size: int = 8,
    env: dict[str, str] | None = None,
) -> Iterator[RegistryPusher]:
    with nullcontext(registry) if mode == "mock-transport" else serve(registry):
        pusher = RegistryPusher(
            transport=registry.transport() if mode == "mock-transport" else None,
            env=env or {},
            docker_config=tmp_path / "no-such-config.json",
            network=NetworkSettings(retries=0, backoff=0.0),
            chunk_size=chunk_size,
        )
        with pusher:
            yield pusher


def pieces(data: bytes, size: int = 5) -> Iterator[bytes]:
    """What a streamed source hands over: pieces that do not line up with the upload's."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def methods(registry: FakeRegistry) -> list[str]:
    return [r.method for r in registry.registry_requests("blobs")]


@pytest.mark.parametrize("mode", ["mock-transport", "loopback"])
def test_a_large_blob_goes_up_in_chunks_that_follow_each_other(mode: str, tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST)
    with pushing(registry, tmp_path, mode=mode) as pusher:
        dest = target(registry)
        sent = pusher.upload_blob(dest, sha256(DATA), len(DATA), pieces(DATA))
        assert pusher.blob_exists(dest, sha256(DATA))

    assert sent == len(DATA)
    assert registry.blobs[(REPO, sha256(DATA))] == DATA
    patches = [r for r in registry.requests if r.method == "PATCH"]
    assert [r.headers["content-range"] for r in patches] == [
        "0-7",
        "8-15",
        "16-23",
        "24-31",
        "32-33",
    ]
    assert all(len(r.content) <= 8 for r in patches)
    (put,) = [r for r in registry.requests if r.method == "PUT"]
    assert put.url.params["digest"] == sha256(DATA) and put.content == b""
    assert "_state" in put.url.params  # the session's own Location, relative, was followed
    assert not registry.uploads


def test_a_small_blob_goes_up_in_one_put(tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST)
    with pushing(registry, tmp_path, chunk_size=1024) as pusher:
        pusher.upload_blob(target(registry), sha256(DATA), len(DATA), pieces(DATA))

    assert methods(registry) == ["POST", "PUT"]
    (put,) = [r for r in registry.requests if r.method == "PUT"]
    assert put.content == DATA and put.url.params["digest"] == sha256(DATA)


@pytest.mark.parametrize("chunk_size", [8, 1024])
def test_content_that_does_not_hash_to_its_digest_is_never_committed(
    tmp_path: Path, chunk_size: int
) -> None:
    registry = FakeRegistry(host=DEST)
    claimed = sha256(b"what the manifest promised")
    with (
        pushing(registry, tmp_path, chunk_size=chunk_size) as pusher,
        pytest.raises(ReproenvError) as raised,
    ):
        pusher.upload_blob(target(registry), claimed, len(DATA), pieces(DATA))

    assert raised.value.reference == "registry-digest-mismatch"
    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert f"blob {claimed}" in raised.value.message and sha256(DATA) in raised.value.message
    assert "nothing of it was committed" in raised.value.message
    assert not [k for k in registry.blobs if k[0] == REPO]
    assert not registry.uploads  # the session was cancelled
    assert methods(registry)[-1] == "DELETE"
    assert all("digest" not in r.url.params for r in registry.requests if r.method == "PUT")


def test_a_blob_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST)
    with (
        pushing(registry, tmp_path) as pusher,
        pytest.raises(ReproenvError, match=r"has 34 bytes, not 40"),
    ):
        pusher.upload_blob(target(registry), sha256(DATA), 40, pieces(DATA))
    assert not registry.uploads and (REPO, sha256(DATA)) not in registry.blobs


def test_existing_blobs_are_found_and_others_are_not(tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST)
    registry.add_blob(REPO, DATA)
    with pushing(registry, tmp_path) as pusher:
        assert pusher.blob_exists(target(registry), sha256(DATA))
        assert not pusher.blob_exists(target(registry), sha256(b"other"))
    assert methods(registry) == ["HEAD", "HEAD"]


def test_a_blob_of_another_repository_is_mounted_not_uploaded(tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST)
    registry.add_blob("nvidia/cuda", DATA)
    with pushing(registry, tmp_path) as pusher:
        assert pusher.mount_blob(target(registry), sha256(DATA), "nvidia/cuda")
        # one the registry does not have: it opens an upload instead, which is cancelled
        assert not pusher.mount_blob(target(registry), sha256(b"absent"), "nvidia/cuda")

    assert registry.blobs[(REPO, sha256(DATA))] == DATA
    first = registry.requests[0]
    assert first.url.params["mount"] == sha256(DATA) and first.url.params["from"] == "nvidia/cuda"
    assert not registry.uploads and methods(registry)[-1] == "DELETE"


def test_manifests_go_up_by_digest_with_their_media_type(tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST)
    config = registry.add_blob(REPO, b"{}")
    body = json.dumps(
        {"schemaVersion": 2, "config": {"digest": config, "size": 2}, "layers": []}, indent=3
    ).encode()
    with pushing(registry, tmp_path) as pusher:
        dest = target(registry)
        assert not pusher.manifest_exists(dest, sha256(body))
        assert pusher.push_manifest(dest, sha256(body), body, DOCKER_MANIFEST) == sha256(body)
        assert pusher.manifest_exists(dest, sha256(body))
        pusher.push_manifest(dest, "3.11-slim-bookworm", body, DOCKER_MANIFEST)

    assert registry.manifests[(REPO, sha256(body))] == (body, DOCKER_MANIFEST)
    assert registry.manifests[(REPO, "3.11-slim-bookworm")] == (body, DOCKER_MANIFEST)


def test_a_manifest_is_checked_before_it_is_sent_and_refusals_are_named(tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST)
    body = json.dumps({"schemaVersion": 2, "config": {"digest": sha256(b"x")}}).encode()
    with pushing(registry, tmp_path) as pusher:
        with pytest.raises(ReproenvError) as mismatch:
            pusher.push_manifest(target(registry), sha256(b"other"), body, DOCKER_MANIFEST)
        assert not registry.requests
        with pytest.raises(ReproenvError) as refused:
            pusher.push_manifest(target(registry), sha256(body), body, DOCKER_MANIFEST)

    assert mismatch.value.reference == "registry-digest-mismatch"
    assert refused.value.reference == "registry-push-rejected"
    assert "MANIFEST_BLOB_UNKNOWN" in refused.value.message
    assert f"{DEST} rejected manifest {sha256(body)} for {REPO}" in refused.value.message


@pytest.mark.parametrize("mode", ["mock-transport", "loopback"])
def test_writes_ask_the_token_service_for_push_with_the_credentials(
    mode: str, tmp_path: Path
) -> None:
    registry = FakeRegistry(host=DEST, auth="bearer", users={"alice": "s3cret"}, anonymous=False)
    with pushing(registry, tmp_path, mode=mode, env=CREDENTIALS) as pusher:
        pusher.upload_blob(target(registry), sha256(DATA), len(DATA), pieces(DATA))

    token_requests = registry.token_requests()
    basic = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert token_requests and token_requests[0].headers["authorization"] == basic
    assert token_requests[0].url.params["scope"] == f"repository:{REPO}:pull,push"
    writes = [r for r in registry.registry_requests("blobs") if r.method in ("PATCH", "PUT")]
    assert writes and all(r.headers["authorization"].startswith("Bearer ") for r in writes)
    assert registry.blobs[(REPO, sha256(DATA))] == DATA


def test_a_registry_that_refuses_writes_says_who_may_push_without_the_password(
    tmp_path: Path,
) -> None:
    registry = FakeRegistry(host=DEST, auth="basic", users={"alice": "s3cret"})
    registry.push_allowed = False
    with (
        pushing(registry, tmp_path, env=CREDENTIALS) as pusher,
        pytest.raises(ReproenvError) as raised,
    ):
        pusher.upload_blob(target(registry), sha256(DATA), len(DATA), pieces(DATA))

    error = raised.value
    assert error.reference == "registry-push-denied" and error.exit_code == ExitCode.BAD_INPUT
    assert f"refused to let {REPO} be written" in error.message
    assert "configured credentials were refused" in error.message
    assert f"docker login {DEST}" in (error.hint or "")
    assert "s3cret" not in error.message + (error.hint or "")
    assert (REPO, sha256(DATA)) not in registry.blobs


def test_without_credentials_a_bearer_registry_refuses_the_write(tmp_path: Path) -> None:
    registry = FakeRegistry(host=DEST, auth="bearer", anonymous=False)
    with pushing(registry, tmp_path) as pusher, pytest.raises(ReproenvError) as raised:
        pusher.upload_blob(target(registry), sha256(DATA), len(DATA), pieces(DATA))
    assert raised.value.exit_code == ExitCode.BAD_INPUT
    assert "no credentials" in raised.value.message
