"""Copy manifests by digest from one registry to another: an index with every manifest it
lists, an image manifest with its config and layers. Nothing is re-encoded, so every digest on
the destination is the source's; what the destination already holds is skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reproenv.errors import environment
from reproenv.oci.client import RegistryClient
from reproenv.oci.manifest import INDEX_TYPES
from reproenv.oci.push import RegistryPusher
from reproenv.oci.reference import DIGEST_RE, ImageRef, Target


@dataclass
class CopyReport:
    manifests_pushed: int = 0
    manifests_present: int = 0
    blobs_pushed: int = 0
    blobs_mounted: int = 0
    blobs_present: int = 0
    bytes_pushed: int = 0
    # blob digest -> a repository of the destination that holds it (for cross-repo mounts)
    held: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Blob:
    digest: str
    size: int


class Copier:
    """Copies from `reader`'s registries to the targets given, through `pusher`."""

    def __init__(self, reader: RegistryClient, pusher: RegistryPusher) -> None:
        self._reader = reader
        self._pusher = pusher
        self.report = CopyReport()
        self._done: set[tuple[str, str, str]] = set()  # this run's manifests, where they went

    def copy(self, source: ImageRef, dest: Target, digest: str) -> None:
        """The manifest `digest` of `source`'s repository, and all it references, to `dest`."""
        where = (dest.registry, dest.repository, digest)
        if where in self._done:
            return
        self._done.add(where)
        if self._pusher.manifest_exists(dest, digest):
            self.report.manifests_present += 1
            return
        raw = self._reader.manifest(source.with_digest(digest))
        if raw.media_type in INDEX_TYPES:
            for child in _children(dest, raw.document):
                self.copy(source, dest, child)
        else:
            for blob in _blobs(dest, raw.document):
                self._blob(source, dest, blob)
        self._pusher.push_manifest(dest, digest, raw.content, raw.media_type)
        self.report.manifests_pushed += 1

    def tag(self, source: ImageRef, dest: Target, digest: str, tag: str) -> None:
        """Points `tag` on `dest` at the copied manifest `digest` (copied first)."""
        raw = self._reader.manifest(source.with_digest(digest))
        self._pusher.push_manifest(dest, tag, raw.content, raw.media_type)

    def _blob(self, source: ImageRef, dest: Target, blob: Blob) -> None:
        report = self.report
        if self._pusher.blob_exists(dest, blob.digest):
            report.blobs_present += 1
            report.held.setdefault(blob.digest, dest.repository)
            return
        held = report.held.get(blob.digest)
        mountable = held is not None and held != dest.repository
        if mountable and self._pusher.mount_blob(dest, blob.digest, str(held)):
            report.blobs_mounted += 1
            return
        with self._reader.blob_chunks(source, blob.digest) as chunks:
            report.bytes_pushed += self._pusher.upload_blob(dest, blob.digest, blob.size, chunks)
        report.blobs_pushed += 1
        report.held[blob.digest] = dest.repository


def _children(dest: Target, document: dict[str, Any]) -> list[str]:
    entries = document.get("manifests")
    found = []
    for entry in entries if isinstance(entries, list) else []:
        digest = entry.get("digest") if isinstance(entry, dict) else None
        found.append(_digest(dest, digest, "an index entry"))
    return found


def _blobs(dest: Target, document: dict[str, Any]) -> list[Blob]:
    """The config and every layer; a foreign layer (one with `urls`, kept outside registries
    by its licence) is neither pulled from the source nor needed by the destination."""
    layers = document.get("layers")
    entries = [document.get("config"), *(layers if isinstance(layers, list) else [])]
    found = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise _malformed(dest, "a config or layer entry is not an object")
        if entry.get("urls"):
            continue
        size = entry.get("size")
        if not isinstance(size, int) or size < 0:
            raise _malformed(dest, f"blob {entry.get('digest')!r} has no valid size")
        found.append(Blob(_digest(dest, entry.get("digest"), "a blob entry"), size))
    return found


def _digest(dest: Target, digest: object, what: str) -> str:
    if not isinstance(digest, str) or not DIGEST_RE.fullmatch(digest):
        raise _malformed(dest, f"{what} has digest {digest!r}")
    return digest


def _malformed(dest: Target, detail: str) -> Exception:
    return environment(
        f"the manifest of {dest.upstream} cannot be copied: {detail}",
        reference="registry-bad-response",
        hint="Re-push the image with a current build tool, or pick another base.",
        image=str(dest.upstream),
    )
