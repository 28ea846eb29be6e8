"""The fake registry answers alike in-process (httpx.MockTransport) and on loopback HTTP."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.oci.client import RegistryClient, ResolvedImage
from reproenv.oci.reference import ImageRef
from reproenv.settings import NetworkSettings
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

MODES = ["mock-transport", "loopback"]
CREDENTIALS = {"REPROENV_REGISTRY_USERNAME": "alice", "REPROENV_REGISTRY_PASSWORD": "s3cret"}


@contextmanager
def reached(
    registry: FakeRegistry, mode: str, tmp_path: Path, env: dict[str, str]
) -> Iterator[RegistryClient]:
    """A client that reaches `registry` as a mirror, in-process or over a real socket."""
    with nullcontext(registry) if mode == "mock-transport" else serve(registry):
        yield RegistryClient(
            mirror=registry.address,
            transport=registry.transport() if mode == "mock-transport" else None,
            env=env,
            docker_config=tmp_path / "no-such-config.json",
            network=NetworkSettings(retries=0, backoff=0.0),
        )


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("mode", MODES)
def test_bearer_auth_with_credentials_either_way(mode: str, tmp_path: Path) -> None:
    registry = FakeRegistry(host="127.0.0.1:5055", auth="bearer", users={"alice": "s3cret"})
    registry.anonymous = False
    digests = registry.add_index("library/python", "3.11-slim", ("amd64", "arm64"))

    with reached(registry, mode, tmp_path, CREDENTIALS) as client:
        resolved = client.resolve(ImageRef.parse("python:3.11-slim"), ["linux/arm64"])

    reference = "docker.io/library/python:3.11-slim"
    assert resolved == [ResolvedImage(reference, "linux/arm64", digests["arm64"], digests["index"])]
    (token_request,) = registry.token_requests()
    assert token_request.headers["authorization"] == basic("alice", "s3cret")
    assert registry.registry_requests("manifests")[-1].headers["authorization"] == (
        "Bearer token-1-alice"
    )


@pytest.mark.parametrize("mode", MODES)
def test_basic_auth_refuses_anonymous_either_way(mode: str, tmp_path: Path) -> None:
    registry = FakeRegistry(host="127.0.0.1:5055", auth="basic", users={"alice": "s3cret"})
    digest = registry.add_image("lab/py", "1", env=("PYTHON_VERSION=3.12.4",))

    with reached(registry, mode, tmp_path, {}) as client, pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("lab/py:1"), ["linux/amd64"])
    assert info.value.reference == "registry-auth-failed"

    with reached(registry, mode, tmp_path, CREDENTIALS) as client:
        resolved = client.resolve(ImageRef.parse("lab/py:1"), ["linux/amd64"])
        config = client.config(ImageRef.parse(f"lab/py:1@{digest}"))
    assert resolved[0].digest == digest
    assert config["config"]["Env"] == ["PYTHON_VERSION=3.12.4"]


@pytest.mark.parametrize("mode", MODES)
def test_status_override_and_missing_tags_either_way(mode: str, tmp_path: Path) -> None:
    registry = FakeRegistry(host="127.0.0.1:5055")
    with reached(registry, mode, tmp_path, {}) as client:
        with pytest.raises(ReproenvError) as missing:
            client.resolve(ImageRef.parse("python:9.99"), ["linux/amd64"])
        registry.status_override = 503
        with pytest.raises(ReproenvError) as down:
            client.resolve(ImageRef.parse("python:9.99"), ["linux/amd64"])
    assert missing.value.reference == "image-not-found"
    assert down.value.reference == "registry-unreachable"
    assert registry.paths == ["/v2/library/python/manifests/9.99"] * 2
