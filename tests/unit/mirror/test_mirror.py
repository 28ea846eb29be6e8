"""`mirror_lock` between two fake registries: the lock's images are copied by digest (an index
with every manifest it lists, their configs and layers), what is there is skipped, a layer the
destination holds elsewhere is mounted, and the recorded mirror is where builds pull from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from reproenv.build.service import base_image_arg
from reproenv.errors import ReproenvError
from reproenv.lock.model import Lock, LockedImage, content_hash, dump_lock, parse_lock
from reproenv.mirror.service import mirror_lock, parse_registry, record_mirror, source_of
from reproenv.spec.load import load_spec
from tests.fakes.plans import make_build_plan
from tests.fakes.registry import DOCKER_CONFIG, DOCKER_MANIFEST, FakeRegistry, sha256

SOURCE = "127.0.0.1:5055"  # the Docker Hub mirror the lock was resolved through
DEST = "127.0.0.1:5056"
REPO = "library/python"
PYTHON = "docker.io/library/python:3.11-slim-bookworm"
SHARED_LAYER = b"the base layer both images share"


def add_layered_image(registry: FakeRegistry, repo: str, arch: str, layers: list[bytes]) -> str:
    config = json.dumps({"architecture": arch, "os": "linux", "rootfs": {}}).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": DOCKER_CONFIG, "size": len(config), "digest": sha256(config)},
        "layers": [
            {"mediaType": "application/x-tar", "size": len(data), "digest": sha256(data)}
            for data in layers
        ],
    }
    registry.add_blob(repo, config)
    for data in layers:
        registry.add_blob(repo, data)
    return registry.add_manifest(repo, json.dumps(manifest, indent=1).encode(), DOCKER_MANIFEST)


def add_index(registry: FakeRegistry, repo: str, tag: str, children: dict[str, str]) -> str:
    entries = [
        {
            "mediaType": DOCKER_MANIFEST,
            "digest": digest,
            "size": len(registry.manifests[(repo, digest)][0]),
            "platform": {"os": "linux", "architecture": arch},
        }
        for arch, digest in children.items()
    ]
    index = json.dumps({"schemaVersion": 2, "manifests": entries}, indent=2).encode()
    media_type = "application/vnd.docker.distribution.manifest.list.v2+json"
    return registry.add_manifest(repo, index, media_type, tag)


def image(
    reference: str, digest: str, index: str | None = None, mirror: str | None = None
) -> LockedImage:
    return LockedImage(
        reference=reference,
        platform="linux/amd64",
        digest=digest,
        index_digest=index,
        mirror=mirror,
    )


def lock_of(*images: LockedImage) -> Lock:
    return Lock(
        reproenv_version="0.1.0",
        input_hash="sha256:" + "0" * 64,
        python="3.11",
        platforms=tuple(sorted({i.platform for i in images})),
        resolver="uv 0.0.0",
        wheel_platforms=("x86_64-manylinux_2_28",),
        images=images,
        apt_requested=(),
        apt_packages=(),
        pip_packages=(),
    )


@pytest.fixture
def source() -> FakeRegistry:
    return FakeRegistry(host=SOURCE)


@pytest.fixture
def dest() -> FakeRegistry:
    return FakeRegistry(host=DEST, realm="https://auth.dest.test/token")


@pytest.fixture
def python_index(source: FakeRegistry) -> dict[str, str]:
    digests = {
        arch: add_layered_image(source, REPO, arch, [SHARED_LAYER, f"{arch} layer".encode()])
        for arch in ("amd64", "arm64")
    }
    digests["index"] = add_index(source, REPO, "3.11-slim-bookworm", digests)
    return digests


def route(*registries: FakeRegistry) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        for registry in registries:
            if request.url.netloc.decode() == registry.host or str(request.url).startswith(
                registry.realm
            ):
                return registry.handle(request)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    return httpx.MockTransport(handle)


def run_mirror(lock: Lock, source: FakeRegistry, dest: FakeRegistry, **options: Any) -> Any:
    return mirror_lock(
        lock,
        options.pop("registry", DEST),
        registry_mirror=SOURCE,
        transport=route(source, dest),
        env={},
        docker_config=Path("/nonexistent/config.json"),
        **options,
    )


def amd64_lock(digests: dict[str, str]) -> Lock:
    return lock_of(image(PYTHON, digests["amd64"], digests["index"]))


def test_the_index_and_every_manifest_it_lists_arrive_with_the_same_digests(
    source: FakeRegistry, dest: FakeRegistry, python_index: dict[str, str]
) -> None:
    result = run_mirror(amd64_lock(python_index), source, dest)

    for name in ("index", "amd64", "arm64"):
        digest = python_index[name]
        assert dest.manifests[(REPO, digest)] == source.manifests[(REPO, digest)]
    assert {k for k in dest.blobs} == {k for k in source.blobs}
    assert all(dest.blobs[k] == source.blobs[k] for k in dest.blobs)
    assert (REPO, "3.11-slim-bookworm") not in dest.manifests  # by digest only
    assert result.registry == DEST
    (copied,) = result.copied
    assert copied.reference == f"{DEST}/{REPO}@{python_index['amd64']}"
    report = result.report
    assert (report.manifests_pushed, report.blobs_pushed) == (3, 5)  # 2 configs, 3 layers
    # the shared layer was read once: the second image found it there
    assert report.blobs_present == 1
    assert report.bytes_pushed == sum(len(v) for v in dest.blobs.values())
    # nothing was read from the destination's side except to check and write
    assert not [r for r in source.requests if r.method != "GET"]


def test_a_second_run_finds_everything_there_and_pushes_nothing(
    source: FakeRegistry, dest: FakeRegistry, python_index: dict[str, str]
) -> None:
    run_mirror(amd64_lock(python_index), source, dest)
    dest.requests.clear()
    source.requests.clear()

    again = run_mirror(amd64_lock(python_index), source, dest)

    assert again.report.manifests_pushed == again.report.blobs_pushed == 0
    assert again.report.manifests_present == 2  # the index, then the locked platform's
    assert {r.method for r in dest.requests} == {"HEAD"}
    assert not source.requests


def test_platforms_only_copies_the_locked_platform_manifest_and_the_tag_option_tags(
    source: FakeRegistry, dest: FakeRegistry, python_index: dict[str, str]
) -> None:
    run_mirror(amd64_lock(python_index), source, dest, index=False, tag=True)

    assert (REPO, python_index["amd64"]) in dest.manifests
    assert (REPO, python_index["arm64"]) not in dest.manifests
    assert (REPO, python_index["index"]) not in dest.manifests
    tagged, _ = dest.manifests[(REPO, "3.11-slim-bookworm")]
    assert sha256(tagged) == python_index["amd64"]


def test_a_prefix_keeps_the_repository_path_and_a_shared_layer_is_mounted(
    source: FakeRegistry, dest: FakeRegistry, python_index: dict[str, str]
) -> None:
    cuda = add_layered_image(source, "nvidia/cuda", "amd64", [SHARED_LAYER, b"cuda layer"])
    lock = lock_of(
        image(PYTHON, python_index["amd64"]),
        image(f"{SOURCE}/nvidia/cuda:12.4.1-runtime", cuda),
    )

    result = run_mirror(lock, source, dest, registry=f"http://{DEST}/keep/")

    assert result.registry == f"{DEST}/keep"
    assert (f"keep/{REPO}", python_index["amd64"]) in dest.manifests
    assert ("keep/nvidia/cuda", cuda) in dest.manifests
    assert dest.blobs[("keep/nvidia/cuda", sha256(SHARED_LAYER))] == SHARED_LAYER
    # the shared layer (and the config, alike here) were linked, not sent again
    mounts = [r.url.params for r in dest.requests if "mount" in r.url.params]
    assert sha256(SHARED_LAYER) in {m["mount"] for m in mounts}
    assert {m["from"] for m in mounts} == {f"keep/{REPO}"}
    assert result.report.blobs_mounted == len(mounts) == 2
    assert [c.reference for c in result.copied] == [
        f"{DEST}/keep/{REPO}@{python_index['amd64']}",
        f"{DEST}/keep/nvidia/cuda@{cuda}",
    ]


def test_a_source_blob_that_does_not_match_its_digest_stops_the_copy(
    source: FakeRegistry, dest: FakeRegistry, python_index: dict[str, str]
) -> None:
    source.blobs[(REPO, sha256(SHARED_LAYER))] = b"tampered on the way"

    with pytest.raises(ReproenvError) as raised:
        run_mirror(amd64_lock(python_index), source, dest)

    assert raised.value.reference == "registry-digest-mismatch"
    assert (REPO, sha256(SHARED_LAYER)) not in dest.blobs
    assert not [k for k in dest.manifests if k[0] == REPO]


def test_a_wrong_registry_argument_is_named_with_what_to_write() -> None:
    with pytest.raises(ReproenvError) as raised:
        parse_registry("user:pw@registry.example.org")
    assert "credentials don't belong" in raised.value.message
    assert "host[:port]/path/prefix" in (raised.value.hint or "")
    assert "REPROENV_REGISTRY_MIRROR" not in (raised.value.hint or "")


def test_a_lock_that_names_a_mirror_is_read_from_it_and_built_from_it() -> None:
    digest = "sha256:" + "ee" * 32
    locked = image(PYTHON, digest, mirror=f"{DEST}/keep")
    assert str(source_of(locked)) == f"{DEST}/keep/{REPO}:3.11-slim-bookworm"
    plan = make_build_plan(digest=digest, base_mirror=f"{DEST}/keep")
    # the lock's mirror holds this exact digest: it wins over the Docker Hub mirror setting
    assert base_image_arg(plan, SOURCE) == {"BASE_IMAGE": f"{DEST}/keep/{REPO}@{digest}"}


def test_recording_names_the_mirror_in_the_sealed_lock(
    tmp_path: Path, python_index: dict[str, str]
) -> None:
    (tmp_path / "reproenv.toml").write_text('name = "demo"\n')
    lock = amd64_lock(python_index)
    before = dump_lock(lock)
    assert "mirror" not in before  # a lock without one keeps its bytes
    (tmp_path / "reproenv.lock").write_text(before)
    spec = load_spec(tmp_path, env={})

    recorded = record_mirror(spec, lock, DEST)

    text = (tmp_path / "reproenv.lock").read_text()
    assert f'mirror = "{DEST}"' in text
    reread = parse_lock(text, tmp_path / "reproenv.lock")  # the seal holds
    assert reread == recorded and reread.images[0].mirror == DEST
    assert content_hash(reread) != content_hash(lock)
    assert reread.model_copy(update={"images": lock.images}) == lock


def test_recording_refuses_a_lock_that_changed_while_copying(
    tmp_path: Path, python_index: dict[str, str]
) -> None:
    (tmp_path / "reproenv.toml").write_text('name = "demo"\n')
    copied = amd64_lock(python_index)
    moved = lock_of(image(PYTHON, python_index["arm64"]))
    (tmp_path / "reproenv.lock").write_text(dump_lock(moved))

    with pytest.raises(ReproenvError) as raised:
        record_mirror(load_spec(tmp_path, env={}), copied, DEST)

    assert raised.value.reference == "lock-changed"
    assert (tmp_path / "reproenv.lock").read_text() == dump_lock(moved)
