"""The build record: which fingerprint an image had when `reproenv build` made it.

A label would need the fingerprint before the image exists; adding one afterwards takes a
second, metadata-only build whose image (config, ID, digest) is no longer the one that was
built, and checked, from the lock. So the record is a file in reproenv's cache, named by the
image ID: `builds/<image-id>.json`, with the tag, the lock hash and the fingerprint's parts.
`reproenv fingerprint IMAGE` recomputes it from the image whenever it is wanted.
"""

from __future__ import annotations

import json
from pathlib import Path

from reproenv.build.fingerprint import Fingerprint
from reproenv.fsutil import write_atomic

RECORDS = "builds"


def record_path(cache: Path, image_id: str) -> Path:
    return cache / RECORDS / f"{image_id.replace(':', '-')}.json"


def write_record(
    cache: Path, image_id: str, tag: str, lock_hash: str, fingerprint: Fingerprint
) -> Path:
    path = record_path(cache, image_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"image": image_id, "tag": tag, "lock-hash": lock_hash, **fingerprint.as_dict()}
    write_atomic(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def read_record(cache: Path, image_id: str) -> dict[str, object] | None:
    """The build record of an image, None when there is none (or it cannot be read: a record
    is a convenience, never an input a command fails on)."""
    path = record_path(cache, image_id)
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None
