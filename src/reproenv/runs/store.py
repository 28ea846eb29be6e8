"""Where run records live, `<project>/.reproenv/runs/<UTC time>-<id>.json`, and finding them."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from reproenv.errors import bad_input
from reproenv.fsutil import write_atomic
from reproenv.runs.git import RECORDS_DIR
from reproenv.runs.model import SCHEMA_VERSION, RunRecord

LIST_HINT = "`reproenv runs` lists the records of this project"


def new_run_id() -> str:
    return secrets.token_hex(4)


def now() -> datetime:
    return datetime.now(UTC)


def records_dir(project_dir: Path) -> Path:
    return project_dir / RECORDS_DIR


def record_path(project_dir: Path, record: RunRecord) -> Path:
    stamp = record.started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return records_dir(project_dir) / f"{stamp}-{record.id}.json"


def dump(record: RunRecord) -> str:
    return json.dumps(record.model_dump(mode="json", by_alias=True), indent=2) + "\n"


def write_record(project_dir: Path, record: RunRecord) -> Path:
    """Atomic: a reader (or a crash) sees the previous state of the record or this one."""
    path = record_path(project_dir, record)
    write_atomic(path, dump(record))
    return path


def read_record(path: Path) -> RunRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_input(
            f"run record {path.name} is unreadable: {exc}",
            "run-record-corrupt",
            "delete it, or restore it from where it was copied",
            file=str(path),
        ) from None
    version = data.get("schema-version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise bad_input(
            f"run record {path.name} has schema-version {version}; this reproenv reads "
            f"{SCHEMA_VERSION}",
            "run-record-newer",
            "upgrade reproenv to read it",
            file=str(path),
        )
    try:
        return RunRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise bad_input(
            f"run record {path.name}: {key}: {first['msg']}",
            "run-record-corrupt",
            "delete it, or restore it from where it was copied",
            file=str(path),
            key=key,
        ) from None


@dataclass(frozen=True)
class Listed:
    path: Path
    record: RunRecord | None  # None: unreadable
    problem: str | None = None


def list_records(project_dir: Path) -> list[Listed]:
    """Oldest first (the file names start with the UTC time); unreadable ones are kept, named."""
    found: list[Listed] = []
    folder = records_dir(project_dir)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found.append(Listed(path, read_record(path)))
        except Exception as exc:  # a broken file is reported in the list, not a crash
            found.append(Listed(path, None, str(exc)))
    # the names order by the second; two runs in one second by their start
    return sorted(found, key=lambda item: (item.path.name[:16], _started(item)))


def _started(item: Listed) -> str:
    return item.record.started.isoformat() if item.record else ""


def find_record(project_dir: Path, ident: str) -> tuple[Path, RunRecord]:
    """By short id or by file stem (a record file's name without `.json`)."""
    folder = records_dir(project_dir)
    name = ident.removesuffix(".json")
    if folder.is_dir() and re.fullmatch(r"[0-9A-Za-z-]+", name):  # no glob characters
        candidates = sorted(folder.glob(f"*-{name}.json")) + sorted(folder.glob(f"{name}.json"))
        if candidates:
            return candidates[0], read_record(candidates[0])
    raise bad_input(
        f"no run record {ident!r} in {folder}",
        "run-record-missing",
        f"{LIST_HINT}; give its id (the 8 letters after the time) or its file name",
        record=ident,
    )
