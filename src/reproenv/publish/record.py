"""The publish record: `.reproenv/publish/<UTC time>.json`, one per publish, written atomically."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from reproenv import __version__
from reproenv.fsutil import write_atomic

PUBLISH_DIR = ".reproenv/publish"
RECORD_VERSION = 1


@dataclass(frozen=True)
class PublishRecord:
    registry: str
    repository: str
    digest: str
    reference: str  # repository@digest: what to pull
    tags: tuple[str, ...]
    lock_hash: str
    image_id: str
    image_tag: str  # the local tag it was pushed from
    platform: str
    commit: str | None
    release: str | None
    time: str  # RFC 3339, UTC

    def document(self) -> dict[str, object]:
        found: dict[str, object] = {"record-version": RECORD_VERSION}
        found |= {key.replace("_", "-"): value for key, value in asdict(self).items()}
        found["tags"] = list(self.tags)
        found["reproenv-version"] = __version__
        return found


def utc_now() -> datetime:
    return datetime.now(UTC)


def write_record(project_dir: Path, record: PublishRecord, when: datetime) -> Path:
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    path = project_dir / PUBLISH_DIR / f"{stamp}.json"
    write_atomic(path, json.dumps(record.document(), indent=2, sort_keys=True) + "\n")
    return path
