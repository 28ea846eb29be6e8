"""The build tools' pins (lock/build_tools.py) kept in reproenv's cache, across projects.

Every lock that installs with uv pins the same uv: a resolve of its own beside the project's,
which a cold lock waits on as much as on the project's (both ask the index, on the same
cores). An index never changes the files of a release it has published (PyPI refuses a file
name twice), so what one project's lock found for `uv==0.13.9` on an index, for a platform and
a Python, holds for the next. The key is everything the resolve reads; credentials are left out
of it (the same index, whoever asks) and nothing is stored that the lock itself would not hold.
`lock -U` asks the index again.
A cache that cannot be read or written is no error: the tool is then pinned as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from reproenv.lock.inputs import public_index
from reproenv.lock.model import LockedPipPackage
from reproenv.settings import cache_dir
from reproenv.spec.model import Spec

SCHEMA = 1
MAX_ENTRY_BYTES = 1 << 20  # a few wheels' names, URLs and hashes: anything larger is not one


def cached_pin(
    key: str, pin: Callable[[], tuple[LockedPipPackage, ...]], *, reuse: bool = True
) -> tuple[LockedPipPackage, ...]:
    """The entry under `key`, else `pin()`'s answer, kept for the next lock (`reuse=False`:
    pinned afresh, and kept)."""
    path = _entry_path(key)
    found = _read(path) if reuse and path is not None else None
    if found is not None:
        return found
    packages = pin()
    if path is not None and packages:
        from reproenv.fsutil import write_atomic

        entries = [p.model_dump(mode="json", by_alias=True) for p in packages]
        document = json.dumps({"schema": SCHEMA, "packages": entries}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            write_atomic(path, document + "\n", 0o600)
    return packages


def tool_key(
    spec: Spec,
    name: str,
    version: str,
    platform: str,
    index_lines: tuple[str, ...],
    keep_urls: bool,
) -> str:
    """What one platform's pin of a tool depends on: the tool, the platform, the Python, and
    every index it may come from (with `${VAR}`s expanded, credentials removed)."""
    indexes = [spec.index_url or "", *spec.extra_index_urls, *index_lines]
    public = [public_index(index) for index in indexes]
    parts = [SCHEMA, name, version, platform, spec.python, keep_urls, public]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def _entry_path(key: str) -> Path | None:
    cache = cache_dir()
    return None if cache is None else cache / "tools" / f"{key}.json"


def _read(path: Path) -> tuple[LockedPipPackage, ...] | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_ENTRY_BYTES + 1)
        document = json.loads(raw) if len(raw) <= MAX_ENTRY_BYTES else None
        if not isinstance(document, dict) or document.get("schema") != SCHEMA:
            return None
        entries = document.get("packages")
        if not isinstance(entries, list) or not entries:
            return None
        return tuple(LockedPipPackage.model_validate(entry) for entry in entries)
    # missing, damaged, or not what this reproenv writes (pydantic's errors are ValueErrors)
    except (OSError, ValueError):
        return None
