"""Synthetic image archives: layer tars built from a few entries, packed as `docker save`
writes them or as an OCI layout (gzip'd blobs), for the archive reader and the fingerprint."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class F:
    """One layer entry: a file (content), a folder (`dir`), a symlink (`link`) or a hard link
    (`hardlink`); `mtime` and `mode` as tar stores them."""

    path: str
    content: bytes = b""
    mode: int = 0o644
    mtime: int = 1_700_000_000
    kind: str = "file"  # file, dir, link, hardlink
    target: str = ""


def layer_tar(entries: Sequence[F]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.path)
            info.mode, info.mtime = entry.mode, entry.mtime
            if entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind in ("link", "hardlink"):
                info.type = tarfile.SYMTYPE if entry.kind == "link" else tarfile.LNKTYPE
                info.linkname = entry.target
                tar.addfile(info)
            else:
                info.size = len(entry.content)
                tar.addfile(info, io.BytesIO(entry.content))
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def docker_save(path: Path, layers: Sequence[Sequence[F]], config: dict[str, object]) -> Path:
    """docker 20.10's `save`: `<id>/layer.tar`, a config JSON and manifest.json."""
    with tarfile.open(path, mode="w") as tar:
        names = []
        for index, entries in enumerate(layers):
            name = f"{index:064x}/layer.tar"
            _add(tar, name, layer_tar(entries))
            names.append(name)
        _add(tar, "config.json", json.dumps(config).encode())
        manifest = [{"Config": "config.json", "RepoTags": ["demo:x"], "Layers": names}]
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return path


def _blob(tar: tarfile.TarFile, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _add(tar, f"blobs/sha256/{digest[7:]}", data)
    return digest


def oci_layout(path: Path, layers: Sequence[Sequence[F]], config: dict[str, object]) -> str:
    """buildx's `--output type=oci`: gzip'd layer blobs, a manifest, index.json; the
    manifest's digest is returned."""
    with tarfile.open(path, mode="w") as tar:
        descriptors = []
        for entries in layers:
            blob = gzip.compress(layer_tar(entries), mtime=0)
            descriptors.append({"digest": _blob(tar, blob), "size": len(blob)})
        config_digest = _blob(tar, json.dumps(config).encode())
        manifest = json.dumps({"config": {"digest": config_digest}, "layers": descriptors})
        digest = _blob(tar, manifest.encode())
        _add(tar, "index.json", json.dumps({"manifests": [{"digest": digest}]}).encode())
    return digest
