"""The devcontainer's Features, pinned: each OCI reference the spec's [devcontainer] names
resolved to its manifest digest on the Feature's own registry (the Dev Containers CLI fetches
from there, never from a mirror), with the version its metadata declares. `generate` writes
them into devcontainer-lock.json exactly as the CLI would, so the CLI installs these digests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from reproenv.errors import bad_input
from reproenv.lock.model import Lock, LockedFeature
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from reproenv.oci.client import RegistryClient

FEATURE_LAYER = "application/vnd.devcontainers.layer.v1+tar"
METADATA_ANNOTATION = "dev.containers.metadata"  # the Feature's devcontainer-feature.json


def lock_features(
    spec: Spec,
    previous: Lock | None,
    *,
    upgrade: bool = False,
    client: RegistryClient | None = None,
) -> tuple[LockedFeature, ...]:
    """A previous pin is kept for the same reference unless `upgrade` (a tag such as `:1`
    moves to its newest release only when asked, as image digests do)."""
    if spec.devcontainer is None or not spec.devcontainer.features:
        return ()
    kept = {} if previous is None or upgrade else {f.id: f for f in previous.devcontainer_features}
    wanted = [name for name, _ in spec.devcontainer.features]
    if all(name in kept for name in wanted):
        return tuple(kept[name] for name in wanted)
    if client is None:
        from reproenv.oci.client import RegistryClient

        client = RegistryClient()
    return tuple(kept.get(name) or _resolve(spec, name, client) for name in wanted)


def _resolve(spec: Spec, name: str, client: RegistryClient) -> LockedFeature:
    from reproenv.oci.reference import ImageRef

    ref = ImageRef.parse(name)
    manifest = client.manifest(ref)
    layers = manifest.document.get("layers")
    if not isinstance(layers, list) or not any(
        isinstance(layer, dict) and layer.get("mediaType") == FEATURE_LAYER for layer in layers
    ):
        raise bad_input(
            f"{spec.source.name}: devcontainer.features names {name}, which is not a Dev "
            "Container Feature (its manifest has no Feature layer)",
            "not-a-feature",
            "name a Feature's OCI reference, e.g. ghcr.io/devcontainers/features/github-cli:1",
            file=str(spec.source),
            key="devcontainer.features",
        )
    repository = f"{ref.registry}/{ref.repository}"
    return LockedFeature(
        id=name,
        version=_version(manifest.document, ref.tag),
        resolved=f"{repository}@{manifest.digest}",
        integrity=manifest.digest,
    )


def _version(document: dict[str, object], tag: str | None) -> str:
    annotations = document.get("annotations")
    text = annotations.get(METADATA_ANNOTATION) if isinstance(annotations, dict) else None
    try:
        metadata = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        metadata = {}
    version = metadata.get("version") if isinstance(metadata, dict) else None
    return str(version) if version else (tag or "latest")
