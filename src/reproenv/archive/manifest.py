"""The archive's own manifest, its first member: what is inside, each member's sha256 and
size (so a damaged or cut archive is caught before anything is restored), the image and the
lock it was built from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reproenv.errors import bad_input

MANIFEST = "reproenv-archive.json"
FORMAT = "reproenv-archive"
VERSION = 1
IMAGE = "image.tar"  # an OCI layout with docker's manifest.json (archive/oci_image.py)
SBOM = "sbom.cdx.json"
PROJECT = "project/"  # + the file's path in the project
BUILD_RECORDS = "records/builds/"  # + the record's name in reproenv's cache
RUN_RECORDS = "records/runs/"  # + the record's name in .reproenv/runs


@dataclass(frozen=True)
class Member:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ArchiveManifest:
    reproenv_version: str
    name: str  # the project's
    image_tag: str
    image_id: str
    manifest_digest: str  # the OCI manifest's, in image.tar
    lock_hash: str  # the lock file's hash (the tag's)
    lock_content_hash: str
    members: tuple[Member, ...]

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "reproenv-version": self.reproenv_version,
            "name": self.name,
            "image": {
                "tag": self.image_tag,
                "id": self.image_id,
                "manifest-digest": self.manifest_digest,
            },
            "lock-hash": self.lock_hash,
            "lock-content-hash": self.lock_content_hash,
            "members": [{"name": m.name, "sha256": m.sha256, "size": m.size} for m in self.members],
        }
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def names(self, prefix: str) -> list[str]:
        return [m.name for m in self.members if m.name.startswith(prefix)]


def parse_manifest(data: bytes, archive: str) -> ArchiveManifest:
    try:
        raw: Any = json.loads(data)
        if raw.get("format") != FORMAT:
            raise ValueError("not a reproenv archive")
        if raw.get("version") != VERSION:
            raise _unsupported(archive, raw.get("version"))
        image = raw["image"]
        return ArchiveManifest(
            reproenv_version=str(raw["reproenv-version"]),
            name=str(raw["name"]),
            image_tag=str(image["tag"]),
            image_id=str(image["id"]),
            manifest_digest=str(image["manifest-digest"]),
            lock_hash=str(raw["lock-hash"]),
            lock_content_hash=str(raw["lock-content-hash"]),
            members=tuple(
                Member(str(m["name"]), str(m["sha256"]), int(m["size"])) for m in raw["members"]
            ),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, _Unsupported):
            raise exc.error from None
        raise not_an_archive(archive, f"its {MANIFEST} is unreadable") from None


class _Unsupported(ValueError):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _unsupported(archive: str, version: object) -> _Unsupported:
    return _Unsupported(
        bad_input(
            f"{archive} is a reproenv archive of format version {version!r}; this reproenv "
            f"reads version {VERSION}",
            "archive-version-unsupported",
            "restore it with the reproenv version that wrote it, or a newer one",
            file=archive,
        )
    )


def not_an_archive(archive: str, why: str) -> Exception:
    return bad_input(
        f"{archive} is not a reproenv archive: {why}",
        "not-an-archive",
        "name a file that `reproenv archive` wrote",
        file=archive,
    )
