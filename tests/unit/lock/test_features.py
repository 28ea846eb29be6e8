"""The devcontainer's Features pinned by digest from their own registry, with the version
their metadata declares; kept on a relock, moved by an upgrade, refused when not a Feature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.features import FEATURE_LAYER, METADATA_ANNOTATION, lock_features
from reproenv.lock.model import Lock, LockedFeature
from reproenv.oci.client import RegistryClient
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec
from tests.fakes.registry import FakeRegistry

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
FEATURE = "ghcr.io/devcontainers/features/github-cli:1"


def feature_manifest(version: str | None, layer: str = FEATURE_LAYER) -> bytes:
    document: dict[str, object] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.devcontainers", "size": 2,
                   "digest": "sha256:" + "4" * 64},
        "layers": [{"mediaType": layer, "size": 10, "digest": "sha256:" + "8" * 64}],
    }  # fmt: skip
    if version is not None:
        metadata = json.dumps({"id": "github-cli", "version": version})
        document["annotations"] = {METADATA_ANNOTATION: metadata}
    return json.dumps(document).encode()


def registry_with(*versions: str | None) -> tuple[FakeRegistry, list[str]]:
    fake = FakeRegistry(host="ghcr.io")
    digests = [
        fake.add_manifest(
            "devcontainers/features/github-cli", feature_manifest(v), OCI_MANIFEST, "1"
        )
        for v in versions
    ]
    return fake, digests


def spec_with_feature(folder: Path, feature: str = FEATURE) -> Spec:
    (folder / "requirements.in").write_text("numpy\n", encoding="utf-8")
    (folder / "reproenv.toml").write_text(
        f'[pip]\nrequirements = ["requirements.in"]\n[devcontainer.features."{feature}"]\n'
        'version = "2.60.0"\n',
        encoding="utf-8",
    )
    return load_spec(folder, env={})


def previous_with(*features: LockedFeature) -> Lock:
    return Lock.model_validate(
        {"reproenv-version": "0", "input-hash": "sha256:0", "python": "3.11",
         "platforms": ["linux/amd64"], "resolver": "uv", "wheel-platforms": [], "images": [],
         "apt-requested": [], "apt-packages": [], "pip-packages": [],
         "devcontainer-features": [f.model_dump(by_alias=True) for f in features]}
    )  # fmt: skip


def test_a_feature_is_pinned_to_its_manifest_digest(tmp_path: Path) -> None:
    fake, (digest,) = registry_with("1.4.2")
    client = RegistryClient(transport=fake.transport(), env={})
    (pin,) = lock_features(spec_with_feature(tmp_path), None, client=client)
    assert pin == LockedFeature(
        id=FEATURE,
        version="1.4.2",
        resolved=f"ghcr.io/devcontainers/features/github-cli@{digest}",
        integrity=digest,
    )


def test_without_metadata_the_tag_stands_for_the_version(tmp_path: Path) -> None:
    fake, _ = registry_with(None)
    client = RegistryClient(transport=fake.transport(), env={})
    (pin,) = lock_features(spec_with_feature(tmp_path), None, client=client)
    assert pin.version == "1"


def test_a_relock_keeps_the_pin_and_an_upgrade_moves_it(tmp_path: Path) -> None:
    spec = spec_with_feature(tmp_path)
    old = LockedFeature(
        id=FEATURE, version="1.0.0", resolved="ghcr.io/x@sha256:" + "1" * 64,
        integrity="sha256:" + "1" * 64,
    )  # fmt: skip
    fake, (digest,) = registry_with("1.4.2")
    client = RegistryClient(transport=fake.transport(), env={})
    assert lock_features(spec, previous_with(old), client=client) == (old,)
    assert not fake.requests  # nothing asked of the registry
    (moved,) = lock_features(spec, previous_with(old), upgrade=True, client=client)
    assert moved.integrity == digest


def test_an_image_is_not_a_feature(tmp_path: Path) -> None:
    fake = FakeRegistry(host="ghcr.io")
    body = feature_manifest("1.0.0", layer="application/vnd.oci.image.layer.v1.tar+gzip")
    fake.add_manifest("devcontainers/features/github-cli", body, OCI_MANIFEST, "1")
    client = RegistryClient(transport=fake.transport(), env={})
    with pytest.raises(ReproenvError) as caught:
        lock_features(spec_with_feature(tmp_path), None, client=client)
    assert caught.value.reference == "not-a-feature"
    assert caught.value.context["key"] == "devcontainer.features"


def test_a_missing_feature_is_the_registry_s_error(tmp_path: Path) -> None:
    client = RegistryClient(transport=FakeRegistry(host="ghcr.io").transport(), env={})
    with pytest.raises(ReproenvError) as caught:
        lock_features(spec_with_feature(tmp_path), None, client=client)
    assert "github-cli" in caught.value.message


def test_no_features_asks_nothing(tmp_path: Path) -> None:
    (tmp_path / "reproenv.toml").write_text("[devcontainer]\n", encoding="utf-8")
    assert lock_features(load_spec(tmp_path, env={}), None) == ()
