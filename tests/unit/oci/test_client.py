"""Digest pinning against the fake OCI registry of tests/fakes, served through httpx.MockTransport
(no network)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.oci.client import RegistryClient, ResolvedImage
from reproenv.oci.manifest import DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST
from reproenv.oci.reference import ImageRef
from reproenv.settings import NetworkSettings
from tests.fakes.registry import HUB_API, FakeRegistry, sha256

DIGEST_A = "sha256:" + "a" * 64


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode()


def make_client(
    registry: FakeRegistry | httpx.BaseTransport,
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    mirror: str | None = None,
    docker_config: Path | None = None,
) -> RegistryClient:
    transport = registry.transport() if isinstance(registry, FakeRegistry) else registry
    return RegistryClient(
        mirror=mirror,
        transport=transport,
        env=env or {},
        # Never fall back to the real ~/.docker/config.json of whoever runs the tests.
        docker_config=docker_config or tmp_path / "no-such-config.json",
        network=NetworkSettings(retries=2, backoff=0.0),
    )


def platform_manifest(arch: str) -> bytes:
    return encode({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "arch-marker": arch})


def make_index(
    media_type: str, entries: list[tuple[bytes, dict[str, str]]], with_media_type: bool = True
) -> bytes:
    document: dict[str, Any] = {
        "schemaVersion": 2,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": sha256(body), "size": len(body), "platform": p}
            for body, p in entries
        ],
    }
    if with_media_type:
        document["mediaType"] = media_type
    return encode(document)


# -- resolving ------------------------------------------------------------------------------


@pytest.mark.parametrize("index_type", [DOCKER_MANIFEST_LIST, OCI_INDEX])
def test_resolve_index_to_per_platform_digests(index_type: str, tmp_path: Path) -> None:
    registry = FakeRegistry(auth="bearer")
    amd64, arm64, attestation = (platform_manifest(a) for a in ("amd64", "arm64", "att"))
    index = make_index(
        index_type,
        [
            (amd64, {"os": "linux", "architecture": "amd64"}),
            (arm64, {"os": "linux", "architecture": "arm64", "variant": "v8"}),
            (attestation, {"os": "unknown", "architecture": "unknown"}),
        ],
    )
    registry.add_manifest("library/python", index, index_type, "3.11-slim")
    client = make_client(registry, tmp_path)

    resolved = client.resolve(ImageRef.parse("python:3.11-slim"), ["linux/amd64", "linux/arm64"])

    reference = "docker.io/library/python:3.11-slim"
    assert resolved == [
        ResolvedImage(reference, "linux/amd64", sha256(amd64), sha256(index)),
        ResolvedImage(reference, "linux/arm64", sha256(arm64), sha256(index)),
    ]
    # Docker Hub's API host, over TLS.
    assert {str(r.url.copy_with(path="/")) for r in registry.registry_requests()} == {
        f"https://{HUB_API}/"
    }


def test_resolve_index_without_media_type_field_uses_content_type(tmp_path: Path) -> None:
    registry = FakeRegistry(host="ghcr.io")
    amd64, armv6, armv7 = (platform_manifest(a) for a in ("amd64", "armv6", "armv7"))
    index = make_index(
        OCI_INDEX,
        [
            (amd64, {"os": "linux", "architecture": "amd64"}),
            # v6 first: the variant has to decide, not just os/architecture
            (armv6, {"os": "linux", "architecture": "arm", "variant": "v6"}),
            (armv7, {"os": "linux", "architecture": "arm", "variant": "v7"}),
        ],
        with_media_type=False,
    )
    registry.add_manifest("org/img", index, OCI_INDEX, "1.0")
    client = make_client(registry, tmp_path)

    resolved = client.resolve(ImageRef.parse("ghcr.io/org/img:1.0"), ["linux/arm/v7"])

    assert resolved == [
        ResolvedImage("ghcr.io/org/img:1.0", "linux/arm/v7", sha256(armv7), sha256(index))
    ]


def test_resolve_single_manifest_reads_config_platform(tmp_path: Path) -> None:
    registry = FakeRegistry(host="localhost:5000")
    digest = registry.add_image("team/img", arch="amd64")
    registry.manifests[("team/img", "dev")] = registry.manifests[("team/img", digest)]
    client = make_client(registry, tmp_path)

    resolved = client.resolve(ImageRef.parse("localhost:5000/team/img:dev"), ["linux/amd64"])

    assert resolved == [ResolvedImage("localhost:5000/team/img:dev", "linux/amd64", digest, None)]
    urls = [str(r.url) for r in registry.requests]
    config_digest = next(d for (_, d) in registry.blobs)
    # Loopback registries are plain http, as dockerd treats them.
    assert urls == [
        "http://localhost:5000/v2/team/img/manifests/dev",
        f"http://localhost:5000/v2/team/img/blobs/{config_digest}",
    ]


def test_single_manifest_of_other_platform_is_platform_missing(tmp_path: Path) -> None:
    registry = FakeRegistry(host="localhost:5000")
    digest = registry.add_image("img", arch="arm64", variant="v8")
    registry.manifests[("img", "1")] = registry.manifests[("img", digest)]
    client = make_client(registry, tmp_path)

    assert client.resolve(ImageRef.parse("localhost:5000/img:1"), ["linux/arm64/v8"])[0].digest == (
        digest
    )
    with pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("localhost:5000/img:1"), ["linux/amd64"])
    assert info.value.reference == "image-platform-missing"
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "linux/arm64" in str(info.value)


def test_resolve_by_digest_requests_the_digest(tmp_path: Path) -> None:
    registry = FakeRegistry(host="127.0.0.1:5055")
    digest = registry.add_image("library/python", arch="amd64")
    client = make_client(registry, tmp_path, mirror="127.0.0.1:5055")

    resolved = client.resolve(ImageRef.parse(f"python:3.11@{digest}"), ["linux/amd64"])

    assert resolved == [ResolvedImage("docker.io/library/python:3.11", "linux/amd64", digest, None)]
    assert registry.requests[0].url.path == f"/v2/library/python/manifests/{digest}"


def test_accept_header_always_lists_docker_v2_types(tmp_path: Path) -> None:
    registry = FakeRegistry(host="localhost:5000")
    digest = registry.add_image("img", arch="amd64")
    registry.manifests[("img", "latest")] = registry.manifests[("img", digest)]
    make_client(registry, tmp_path).resolve(ImageRef.parse("localhost:5000/img"), ["linux/amd64"])

    manifest_requests = registry.registry_requests("manifests")
    assert manifest_requests
    for request in manifest_requests:
        accepted = {t.strip() for t in request.headers["accept"].split(",")}
        assert {DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX} <= accepted


def test_digest_is_computed_from_body_without_header(tmp_path: Path) -> None:
    registry = FakeRegistry(host="localhost:5000", digest_header=False)
    digest = registry.add_image("img", arch="amd64")
    body, media_type = registry.manifests[("img", digest)]
    registry.manifests[("img", "1")] = (body, media_type)

    resolved = make_client(registry, tmp_path).resolve(
        ImageRef.parse("localhost:5000/img:1"), ["linux/amd64"]
    )

    assert resolved[0].digest == sha256(body) == digest


def test_digest_header_that_disagrees_with_body_is_environment_error(tmp_path: Path) -> None:
    body = platform_manifest("amd64")

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": OCI_INDEX, "Docker-Content-Digest": DIGEST_A}
        return httpx.Response(200, content=body, headers=headers)

    client = make_client(httpx.MockTransport(handler), tmp_path)
    with pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("ghcr.io/o/i:1"), ["linux/amd64"])
    assert info.value.reference == "registry-digest-mismatch"
    assert info.value.exit_code == ExitCode.ENVIRONMENT


# -- auth -----------------------------------------------------------------------------------


def hub_index(registry: FakeRegistry) -> tuple[bytes, bytes]:
    amd64 = platform_manifest("amd64")
    index = make_index(DOCKER_MANIFEST_LIST, [(amd64, {"os": "linux", "architecture": "amd64"})])
    registry.add_manifest("library/python", index, DOCKER_MANIFEST_LIST, "3.11")
    return amd64, index


def test_anonymous_bearer_flow_caches_token(tmp_path: Path) -> None:
    registry = FakeRegistry(auth="bearer")
    amd64, index = hub_index(registry)
    client = make_client(registry, tmp_path)
    ref = ImageRef.parse("python:3.11")

    first = client.resolve(ref, ["linux/amd64"])
    second = client.resolve(ref, ["linux/amd64"])

    assert (
        first
        == second
        == [
            ResolvedImage(
                "docker.io/library/python:3.11", "linux/amd64", sha256(amd64), sha256(index)
            )
        ]
    )
    (token_request,) = registry.token_requests()
    assert "authorization" not in token_request.headers
    assert token_request.url.params["scope"] == "repository:library/python:pull"
    assert token_request.url.params["service"] == "fake.test"
    manifests = registry.registry_requests("manifests")
    # anonymous try, retry with the token, then the cached token straight away
    assert [r.headers.get("authorization") for r in manifests] == [
        None,
        "Bearer token-1-anonymous",
        "Bearer token-1-anonymous",
    ]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_bearer_flow_with_credentials_from_env(tmp_path: Path) -> None:
    registry = FakeRegistry(auth="bearer", users={"alice": "s3cret"}, anonymous=False)
    amd64, _ = hub_index(registry)
    env = {"REPROENV_REGISTRY_USERNAME": "alice", "REPROENV_REGISTRY_PASSWORD": "s3cret"}
    client = make_client(registry, tmp_path, env=env)

    resolved = client.resolve(ImageRef.parse("python:3.11"), ["linux/amd64"])

    assert resolved[0].digest == sha256(amd64)
    (token_request,) = registry.token_requests()
    assert token_request.headers["authorization"] == basic("alice", "s3cret")
    assert registry.registry_requests("manifests")[-1].headers["authorization"] == (
        "Bearer token-1-alice"
    )


@pytest.mark.parametrize("key", ["https://index.docker.io/v1/", "docker.io"])
def test_bearer_flow_with_credentials_from_docker_config(key: str, tmp_path: Path) -> None:
    registry = FakeRegistry(auth="bearer", users={"bob": "hunter2"}, anonymous=False)
    amd64, _ = hub_index(registry)
    config = tmp_path / "config.json"
    auth = base64.b64encode(b"bob:hunter2").decode()
    config.write_text(json.dumps({"auths": {key: {"auth": auth}, "ghcr.io": {"auth": "eA=="}}}))
    client = make_client(registry, tmp_path, docker_config=config)

    resolved = client.resolve(ImageRef.parse("python:3.11"), ["linux/amd64"])

    assert resolved[0].digest == sha256(amd64)
    assert registry.token_requests()[0].headers["authorization"] == basic("bob", "hunter2")


def test_docker_config_is_found_through_docker_config_env(tmp_path: Path) -> None:
    registry = FakeRegistry(host="ghcr.io", auth="bearer", users={"u": "p"}, anonymous=False)
    body = platform_manifest("amd64")
    index = make_index(OCI_INDEX, [(body, {"os": "linux", "architecture": "amd64"})])
    registry.add_manifest("org/img", index, OCI_INDEX, "1")
    (tmp_path / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": base64.b64encode(b"u:p").decode()}}})
    )
    client = RegistryClient(transport=registry.transport(), env={"DOCKER_CONFIG": str(tmp_path)})

    assert client.resolve(ImageRef.parse("ghcr.io/org/img:1"), ["linux/amd64"])[0].digest == (
        sha256(body)
    )


def test_credential_helper_from_creds_store(tmp_path: Path) -> None:
    registry = FakeRegistry(auth="bearer", users={"carol": "from-helper"}, anonymous=False)
    amd64, _ = hub_index(registry)
    helper = tmp_path / "bin" / "docker-credential-fake"
    helper.parent.mkdir()
    # Answers only for Docker Hub's server URL, like real helpers keyed by `docker login`.
    helper.write_text(
        "#!/bin/sh\n"
        'read -r server\n[ "$1" = get ] || exit 1\n'
        '[ "$server" = "https://index.docker.io/v1/" ] || { echo not found; exit 1; }\n'
        'echo \'{"ServerURL": "x", "Username": "carol", "Secret": "from-helper"}\'\n'
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credsStore": "fake"}))
    client = make_client(registry, tmp_path, env={"PATH": str(helper.parent)}, docker_config=config)

    assert client.resolve(ImageRef.parse("python:3.11"), ["linux/amd64"])[0].digest == (
        sha256(amd64)
    )
    assert registry.token_requests()[0].headers["authorization"] == basic("carol", "from-helper")


def test_missing_credential_helper_means_anonymous(tmp_path: Path) -> None:
    registry = FakeRegistry(auth="bearer")
    amd64, _ = hub_index(registry)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credHelpers": {"docker.io": "does-not-exist"}}))
    client = make_client(registry, tmp_path, env={"PATH": str(tmp_path)}, docker_config=config)

    assert client.resolve(ImageRef.parse("python:3.11"), ["linux/amd64"])[0].digest == (
        sha256(amd64)
    )
    assert "authorization" not in registry.token_requests()[0].headers


def fake_helper(folder: Path, username: str, secret: str) -> Path:
    """A `docker-credential-fake` that knows one login, for Docker Hub's server URL only."""
    helper = folder / "bin" / "docker-credential-fake"
    helper.parent.mkdir(exist_ok=True)
    helper.write_text(
        "#!/bin/sh\n"
        'read -r server\n[ "$1" = get ] || exit 1\n'
        '[ "$server" = "https://index.docker.io/v1/" ] || { echo not found; exit 1; }\n'
        f'echo \'{{"ServerURL": "x", "Username": "{username}", "Secret": "{secret}"}}\'\n'
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    return helper.parent


@pytest.mark.parametrize(
    "store", [{"credsStore": "fake"}, {"credHelpers": {"index.docker.io": "fake"}}]
)
def test_credential_helper_comes_before_auths(store: dict[str, Any], tmp_path: Path) -> None:
    # As the docker CLI: an `auths` entry left behind (here a stale password) loses to the store.
    registry = FakeRegistry(auth="bearer", users={"carol": "from-helper"}, anonymous=False)
    amd64, _ = hub_index(registry)
    path = fake_helper(tmp_path, "carol", "from-helper")
    config = tmp_path / "config.json"
    stale = base64.b64encode(b"carol:stale-password").decode()
    config.write_text(
        json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": stale}}, **store})
    )
    client = make_client(registry, tmp_path, env={"PATH": str(path)}, docker_config=config)

    assert client.resolve(ImageRef.parse("python:3.11"), ["linux/amd64"])[0].digest == (
        sha256(amd64)
    )
    assert registry.token_requests()[0].headers["authorization"] == basic("carol", "from-helper")


def test_auths_answer_when_the_store_has_no_entry(tmp_path: Path) -> None:
    registry = FakeRegistry(host="ghcr.io", auth="bearer", users={"u": "p"}, anonymous=False)
    body = platform_manifest("amd64")
    index = make_index(OCI_INDEX, [(body, {"os": "linux", "architecture": "amd64"})])
    registry.add_manifest("org/img", index, OCI_INDEX, "1")
    path = fake_helper(tmp_path, "carol", "from-helper")  # knows Docker Hub only
    config = tmp_path / "config.json"
    auth = base64.b64encode(b"u:p").decode()
    config.write_text(json.dumps({"credsStore": "fake", "auths": {"ghcr.io": {"auth": auth}}}))
    client = make_client(registry, tmp_path, env={"PATH": str(path)}, docker_config=config)

    assert client.resolve(ImageRef.parse("ghcr.io/org/img:1"), ["linux/amd64"])[0].digest == (
        sha256(body)
    )
    assert registry.token_requests()[0].headers["authorization"] == basic("u", "p")


def test_basic_auth_registry(tmp_path: Path) -> None:
    registry = FakeRegistry(host="registry.internal", auth="basic", users={"dave": "pw"})
    digest = registry.add_image("img", arch="amd64")
    registry.manifests[("img", "1")] = registry.manifests[("img", digest)]
    env = {"REPROENV_REGISTRY_USERNAME": "dave", "REPROENV_REGISTRY_PASSWORD": "pw"}
    client = make_client(registry, tmp_path, env=env)

    resolved = client.resolve(ImageRef.parse("registry.internal/img:1"), ["linux/amd64"])

    assert resolved[0].digest == digest
    auths = [r.headers.get("authorization") for r in registry.requests]
    # Challenged once; the blob fetch then sends credentials up front.
    assert auths == [None, basic("dave", "pw"), basic("dave", "pw")]


def test_auth_failure_never_leaks_the_password(tmp_path: Path) -> None:
    password = "correct-horse-battery-staple"
    registry = FakeRegistry(auth="bearer", users={"alice": "other"}, anonymous=False)
    hub_index(registry)
    env = {"REPROENV_REGISTRY_USERNAME": "alice", "REPROENV_REGISTRY_PASSWORD": password}
    client = make_client(registry, tmp_path, env=env)

    with pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("python:3.11"), ["linux/amd64"])

    error = info.value
    assert error.reference == "registry-auth-failed"
    assert error.exit_code == ExitCode.BAD_INPUT
    assert "docker.io/library/python:3.11" in str(error)
    assert "docker login" in error.hint
    encoded = base64.b64encode(f"alice:{password}".encode()).decode()
    for text in (str(error), error.hint, repr(error.context)):
        assert password not in text
        assert encoded not in text


def test_anonymous_refused_is_auth_failed(tmp_path: Path) -> None:
    registry = FakeRegistry(host="registry.internal", auth="basic")
    client = make_client(registry, tmp_path)
    with pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("registry.internal/img:1"), ["linux/amd64"])
    assert info.value.reference == "registry-auth-failed"
    assert "REPROENV_REGISTRY_USERNAME" in info.value.hint


# -- failures -------------------------------------------------------------------------------


def test_missing_tag_is_image_not_found(tmp_path: Path) -> None:
    registry = FakeRegistry(auth="bearer")
    hub_index(registry)
    with pytest.raises(ReproenvError) as info:
        make_client(registry, tmp_path).resolve(ImageRef.parse("python:9.99"), ["linux/amd64"])
    assert info.value.reference == "image-not-found"
    assert int(info.value.exit_code) == 2
    assert "docker.io/library/python:9.99" in str(info.value)
    assert info.value.hint


def test_bare_404_is_image_not_found(tmp_path: Path) -> None:
    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="404 page not found")

    with pytest.raises(ReproenvError) as info:
        make_client(httpx.MockTransport(not_found), tmp_path).resolve(
            ImageRef.parse("quay.io/org/img:2"), ["linux/amd64"]
        )
    assert info.value.reference == "image-not-found"
    assert "quay.io/org/img:2" in str(info.value)


def test_not_found_through_mirror_names_upstream_and_mirror(tmp_path: Path) -> None:
    registry = FakeRegistry(host="harbor.example.com")
    client = make_client(registry, tmp_path, mirror="harbor.example.com/hub")
    with pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("python:3.11"), ["linux/amd64"])
    assert info.value.reference == "image-not-found"
    assert "docker.io/library/python:3.11" in str(info.value)
    assert "harbor.example.com" in str(info.value)
    assert registry.requests[0].url == httpx.URL(
        "https://harbor.example.com/v2/hub/library/python/manifests/3.11"
    )


def test_connection_refused_is_registry_unreachable(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client = make_client(httpx.MockTransport(refuse), tmp_path)
    with pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("ghcr.io/org/img:1"), ["linux/amd64"])
    assert info.value.reference == "registry-unreachable"
    assert int(info.value.exit_code) == 3
    assert "ghcr.io" in str(info.value)
    assert "REPROENV_REGISTRY_MIRROR" in info.value.hint


def test_timeout_is_registry_unreachable(tmp_path: Path) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ReproenvError) as info:
        make_client(httpx.MockTransport(slow), tmp_path).resolve(
            ImageRef.parse("python"), ["linux/amd64"]
        )
    assert info.value.reference == "registry-unreachable"
    assert "docker.io" in str(info.value)


def test_server_error_is_registry_unreachable(tmp_path: Path) -> None:
    registry = FakeRegistry(host="ghcr.io")
    registry.status_override = 500
    with pytest.raises(ReproenvError) as info:
        make_client(registry, tmp_path).resolve(ImageRef.parse("ghcr.io/o/i:1"), ["linux/amd64"])
    assert info.value.reference == "registry-unreachable"
    assert info.value.exit_code == ExitCode.ENVIRONMENT


def test_platform_missing_lists_available_platforms(tmp_path: Path) -> None:
    registry = FakeRegistry(host="ghcr.io")
    entries = [
        (platform_manifest("amd64"), {"os": "linux", "architecture": "amd64"}),
        (platform_manifest("s390x"), {"os": "linux", "architecture": "s390x"}),
        (platform_manifest("att"), {"os": "unknown", "architecture": "unknown"}),
    ]
    registry.add_manifest("o/i", make_index(OCI_INDEX, entries), OCI_INDEX, "1")
    with pytest.raises(ReproenvError) as info:
        make_client(registry, tmp_path).resolve(
            ImageRef.parse("ghcr.io/o/i:1"), ["linux/amd64", "linux/arm64"]
        )
    error = info.value
    assert error.reference == "image-platform-missing"
    assert error.exit_code == ExitCode.BAD_INPUT
    assert "linux/arm64" in str(error)
    assert "linux/amd64, linux/s390x" in str(error)
    assert "unknown" not in str(error)


# -- ping -----------------------------------------------------------------------------------


def test_ping_returns_base_url_of_contacted_registry(tmp_path: Path) -> None:
    hub = FakeRegistry(auth="bearer")
    assert make_client(hub, tmp_path).ping(ImageRef.parse("python")) == f"https://{HUB_API}"
    assert hub.requests[0].url == httpx.URL(f"https://{HUB_API}/v2/")

    mirror = FakeRegistry(host="127.0.0.1:5055")
    client = make_client(mirror, tmp_path, mirror="127.0.0.1:5055")
    assert client.ping(ImageRef.parse("python")) == "http://127.0.0.1:5055"


def test_ping_failures(tmp_path: Path) -> None:
    registry = FakeRegistry(host="ghcr.io")
    with pytest.raises(ReproenvError) as info:
        make_client(registry, tmp_path).ping(ImageRef.parse("quay.io/o/i"))
    assert info.value.reference == "registry-unreachable"
    assert "quay.io" in str(info.value)

    registry.status_override = 404
    with pytest.raises(ReproenvError) as info:
        make_client(registry, tmp_path).ping(ImageRef.parse("ghcr.io/o/i"))
    assert info.value.reference == "registry-unreachable"
    assert info.value.exit_code == ExitCode.ENVIRONMENT


def test_transient_failures_are_retried_with_backoff(tmp_path: Path) -> None:
    registry = FakeRegistry(host="ghcr.io")
    digest = registry.add_image("o/i", arch="amd64")
    registry.manifests[("o/i", "1")] = registry.manifests[("o/i", digest)]
    failures = iter([503, 500])

    def flaky(request: httpx.Request) -> httpx.Response:
        status = next(failures, None)
        return httpx.Response(status) if status else registry.handle(request)

    slept: list[float] = []
    client = RegistryClient(
        transport=httpx.MockTransport(flaky),
        env={},
        docker_config=tmp_path / "none.json",
        network=NetworkSettings(retries=3, backoff=0.25),
        sleep=slept.append,
    )
    resolved = client.resolve(ImageRef.parse("ghcr.io/o/i:1"), ["linux/amd64"])
    assert resolved[0].digest == digest
    assert slept == [0.25, 0.5]


def test_gives_up_after_the_configured_attempts(tmp_path: Path) -> None:
    calls: list[str] = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(502)

    slept: list[float] = []
    client = RegistryClient(
        transport=httpx.MockTransport(down),
        env={},
        docker_config=tmp_path / "none.json",
        network=NetworkSettings(retries=2, backoff=1.0),
        sleep=slept.append,
    )
    with pytest.raises(ReproenvError) as info:
        client.resolve(ImageRef.parse("ghcr.io/o/i:1"), ["linux/amd64"])
    assert info.value.exit_code == ExitCode.ENVIRONMENT
    assert "3 attempts" in info.value.message
    assert len(calls) == 3
    assert slept == [1.0, 2.0]
