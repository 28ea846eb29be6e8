"""Content hashes of the spec's declared inputs and outputs, files and folders alike.

A file's hash is the sha256 of its bytes (what `sha256sum` prints). A folder's is the sha256
of one line per file, `<relative POSIX path>\\0<sha256 of its bytes>\\n`, files sorted by the
path's UTF-8 bytes, so the same tree hashes the same on any machine and file system; empty
folders do not count, and a symbolic link counts as its target's text, never followed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from reproenv.runs.model import PathHash

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _entries(folder: Path) -> Iterator[tuple[str, Path]]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        base = Path(root)
        # a link to a folder is listed in dirs: it is an entry, not a place to walk into
        names = [*files, *(d for d in dirs if (base / d).is_symlink())]
        for name in names:
            path = base / name
            yield path.relative_to(folder).as_posix(), path


def _byte_order(item: tuple[str, Path]) -> bytes:
    return item[0].encode("utf-8", "surrogateescape")


def _entry_hash(path: Path) -> tuple[str, int]:
    if path.is_symlink():
        target = str(path.readlink()).encode("utf-8", "surrogateescape")
        return "link:" + hashlib.sha256(target).hexdigest(), 0
    return file_sha256(path), path.stat().st_size


def hash_path(project_dir: Path, relative: str) -> PathHash:
    path = project_dir / relative
    name = relative.rstrip("/")
    if path.is_file() and not path.is_symlink():
        return PathHash(
            path=name,
            kind="file",
            hash=f"sha256:{file_sha256(path)}",
            files=1,
            bytes=path.stat().st_size,
        )
    if path.is_dir() and not path.is_symlink():
        digest = hashlib.sha256()
        files = size = 0
        for rel, entry in sorted(_entries(path), key=_byte_order):
            entry_hash, entry_size = _entry_hash(entry)
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(entry_hash.encode() + b"\n")
            files += 1
            size += entry_size
        return PathHash(
            path=name, kind="folder", hash=f"sha256:{digest.hexdigest()}", files=files, bytes=size
        )
    return PathHash(path=name, kind="missing", hash=None, files=0, bytes=0)


def hash_paths(project_dir: Path, paths: Iterable[str]) -> tuple[PathHash, ...]:
    """In the order the spec declares them."""
    return tuple(hash_path(project_dir, path) for path in paths)


def newest_change(project_dir: Path, relative: str) -> int | None:
    """The latest mtime (ns) under a path: a rerun tells a rewritten output from a stale one."""
    path = project_dir / relative
    if path.is_file():
        return path.stat().st_mtime_ns
    if path.is_dir():
        times = [entry.lstat().st_mtime_ns for _, entry in _entries(path)]
        return max(times, default=None)
    return None
