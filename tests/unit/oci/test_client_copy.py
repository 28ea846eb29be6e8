"""What `reproenv mirror` reads through the client: a manifest byte for byte, checked against
its digest, and a blob as it streams, a connection lost midway said as the registry's failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.oci.client import RegistryClient
from reproenv.oci.reference import ImageRef
from reproenv.settings import NetworkSettings
from tests.fakes.registry import FakeRegistry, sha256

REF = ImageRef.parse("127.0.0.1:5055/library/python:3.11")


def client_for(transport: httpx.BaseTransport, tmp_path: Path) -> RegistryClient:
    return RegistryClient(
        transport=transport,
        env={},
        docker_config=tmp_path / "no-such-config.json",
        network=NetworkSettings(retries=0, backoff=0.0),
    )


def test_a_manifest_comes_byte_for_byte_and_a_blob_in_pieces(tmp_path: Path) -> None:
    registry = FakeRegistry(host="127.0.0.1:5055")
    digest = registry.add_image("library/python", "3.11")
    blob = registry.add_blob("library/python", b"x" * (3 * 1024 * 1024 + 5))
    client = client_for(registry.transport(), tmp_path)

    raw = client.manifest(REF.with_digest(digest))
    with client.blob_chunks(REF, blob) as chunks:
        pieces = list(chunks)

    assert raw.content == registry.manifests[("library/python", digest)][0]
    assert raw.digest == digest and sha256(raw.content) == digest
    assert raw.media_type == "application/vnd.docker.distribution.manifest.v2+json"
    assert len(pieces) == 4 and b"".join(pieces) == registry.blobs[("library/python", blob)]


def test_a_connection_lost_midway_through_a_blob_is_an_environment_error(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield b"the first part"
        raise httpx.ReadError("connection reset by peer")

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=broken())

    client = client_for(httpx.MockTransport(handle), tmp_path)
    with pytest.raises(ReproenvError) as raised, client.blob_chunks(REF, sha256(b"")) as chunks:
        list(chunks)

    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert raised.value.reference == "registry-unreachable"
    assert "ReadError while reading blob" in raised.value.message
    assert raised.value.__cause__ is None
