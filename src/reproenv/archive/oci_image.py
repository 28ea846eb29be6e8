"""The image of the lock as an OCI image layout in one tar, which `docker load` also takes.

Docker 20.10's `docker save` writes the legacy docker-archive (`<id>/layer.tar`, `<id>.json`,
manifest.json); from Docker 25 on it writes an OCI layout with that manifest.json beside it.
A legacy archive is rewritten into the latter form: its config and uncompressed layer tars
become blobs named by their sha256 (the config's is the image ID, a layer's its diff ID), an
OCI manifest and index.json point at them, and docker's manifest.json names the same blobs, so
every engine from 20.10 on loads it and OCI tools read it. An archive that is already an OCI
layout is kept as the engine wrote it. Members are in a fixed order with no dates or owners.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reproenv.archive.tario import add_bytes, add_stream, sha256_bytes, sha256_stream

OCI_LAYOUT = b'{"imageLayoutVersion":"1.0.0"}'
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"  # uncompressed, as docker saves them


@dataclass(frozen=True)
class SavedImage:
    """What the layout holds: the image ID (its config's digest) and the OCI manifest's."""

    image_id: str
    manifest_digest: str
    layers: int


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def _blob_name(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"blobs/{algorithm}/{hex_digest}"


def _read(saved: tarfile.TarFile, name: str) -> IO[bytes]:
    stream = saved.extractfile(name)  # follows docker's symlinks between equal layers
    if stream is None:
        raise ValueError(f"the saved image has no file {name}")
    return stream


def write_oci_image(saved_path: Path, out: IO[bytes], tag: str) -> SavedImage:
    """Write `saved_path` (`docker save` output) to `out` as an OCI layout tar."""
    with tarfile.open(saved_path, mode="r:") as saved:
        names = set(saved.getnames())
        manifest = json.load(_read(saved, "manifest.json"))[0]
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            if "index.json" in names and "oci-layout" in names:
                return _copy_layout(saved, tar, manifest)
            return _convert(saved, tar, manifest, tag)


def _copy_layout(saved: tarfile.TarFile, tar: tarfile.TarFile, manifest: Any) -> SavedImage:
    for info in sorted(saved.getmembers(), key=lambda m: m.name):
        if info.isfile():
            add_stream(tar, info.name, _read(saved, info.name), info.size)
    config = json.load(_read(saved, manifest["Config"]))
    index = json.load(_read(saved, "index.json"))
    image_id = "sha256:" + str(manifest["Config"]).rsplit("/", 1)[-1]
    layers = len(config.get("rootfs", {}).get("diff_ids", []))
    return SavedImage(image_id, str(index["manifests"][0]["digest"]), layers)


def _convert(saved: tarfile.TarFile, tar: tarfile.TarFile, manifest: Any, tag: str) -> SavedImage:
    config = _read(saved, manifest["Config"]).read()
    layers: list[dict[str, Any]] = []
    for name in manifest["Layers"]:
        digest, size = sha256_stream(_read(saved, name))
        layers.append({"mediaType": LAYER_TYPE, "digest": digest, "size": size, "name": name})
    config_digest = sha256_bytes(config)
    oci_manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "digest": config_digest, "size": len(config)},
            "layers": [{k: v for k, v in layer.items() if k != "name"} for layer in layers],
        }
    )
    manifest_digest = sha256_bytes(oci_manifest)
    add_bytes(tar, "oci-layout", OCI_LAYOUT)
    add_bytes(tar, "index.json", _index(manifest_digest, len(oci_manifest), tag))
    docker_manifest = {
        "Config": _blob_name(config_digest),
        "RepoTags": [tag],
        "Layers": [_blob_name(layer["digest"]) for layer in layers],
    }
    add_bytes(tar, "manifest.json", _json([docker_manifest]))
    add_bytes(tar, _blob_name(config_digest), config)
    written = {config_digest}
    for layer in layers:
        if layer["digest"] not in written:  # an equal layer twice is one blob
            add_stream(tar, _blob_name(layer["digest"]), _read(saved, layer["name"]), layer["size"])
            written.add(layer["digest"])
    add_bytes(tar, _blob_name(manifest_digest), oci_manifest)
    return SavedImage(config_digest, manifest_digest, len(layers))


def _index(manifest_digest: str, size: int, tag: str) -> bytes:
    name, _, version = tag.rpartition(":")
    return _json(
        {
            "schemaVersion": 2,
            "mediaType": INDEX_TYPE,
            "manifests": [
                {
                    "mediaType": MANIFEST_TYPE,
                    "digest": manifest_digest,
                    "size": size,
                    "annotations": {
                        "io.containerd.image.name": tag,
                        "org.opencontainers.image.ref.name": version or name,
                    },
                }
            ],
        }
    )
