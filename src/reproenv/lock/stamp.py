"""What the last full `lock --check` (or `lock` that found nothing to change) of a project
found fresh, so the next one can say so without loading the spec. A stamp also says whether
the lock had warnings to print: only a quiet one answers a plain `lock`, whose answer would
otherwise list them.

A stamp lists every file whose content or presence decided the answer (with its sha256, or
None where the check found no file), the settings it saw and the reproenv that made it. It is
kept in reproenv's own cache, never in the project (`--check` writes nothing there), one per
project path. Any difference, a file edited, created where the check would look or removed, a
setting, another reproenv or a change to its code, and the check runs in full. Standard
library only: the point is to answer before typer, pydantic and rich are imported, which cost
more than the check itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from reproenv import __version__
from reproenv.settings import REGISTRY_PASSWORD_ENV, REGISTRY_USERNAME_ENV, cache_dir

SCHEMA = 1
# the one answer a stamp records: lock fresh and requirements.lock its export, nothing to add
FRESH_RESULT = {"state": "fresh", "requirements-lock": "fresh"}
MAX_STAMP_BYTES = 1 << 20  # a stamp lists a project's input files: anything larger is not one
_PREFIX = "REPROENV_"
_UNREADABLE = "unreadable"
_FOLDER = "folder"
_NOT_KEYED = {REGISTRY_USERNAME_ENV, REGISTRY_PASSWORD_ENV}  # credentials: never stored


def stamp_path(project_dir: str | Path, env: Mapping[str, str] | None = None) -> Path | None:
    cache = cache_dir(env)
    if cache is None:
        return None
    key = hashlib.sha256(os.fsencode(os.path.realpath(project_dir))).hexdigest()[:32]
    return cache / "check" / f"{key}.json"


def record_fresh(
    project_dir: Path,
    files: Iterable[Path],
    env: Mapping[str, str] | None = None,
    *,
    quiet: bool = False,
) -> None:
    """Write the stamp of a check that answered FRESH_RESULT (`quiet`: and the lock has no
    warnings); a cache that cannot be written is no error (the next check just runs in full)."""
    from reproenv.fsutil import write_atomic

    env = os.environ if env is None else env
    digests = {os.fspath(path): _digest(os.fspath(path)) for path in files}
    if _UNREADABLE in digests.values():
        return
    document = {"schema": SCHEMA, "key": _key(env), "files": digests, "quiet": quiet}
    text = json.dumps(document, separators=(",", ":")) + "\n"
    path = stamp_path(project_dir, env)
    if path is not None:
        with contextlib.suppress(OSError):
            write_atomic(path, text, 0o600)


def stamped_fresh(
    project_dir: str, env: Mapping[str, str] | None = None, *, quiet: bool = False
) -> bool:
    """True when the project's stamp holds: every recorded file and setting is as it was (and,
    with `quiet`, the lock had no warnings then; they derive from those same files)."""
    env = os.environ if env is None else env
    path = stamp_path(project_dir, env)
    if path is None:
        return False
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_STAMP_BYTES + 1)
        document = json.loads(raw) if len(raw) <= MAX_STAMP_BYTES else None
    except (OSError, ValueError):
        return False
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        return False
    if quiet and document.get("quiet") is not True:
        return False
    files = document.get("files")
    if document.get("key") != _key(env) or not isinstance(files, dict) or not files:
        return False
    return all(digest != _UNREADABLE and _digest(path) == digest for path, digest in files.items())


def _key(env: Mapping[str, str]) -> dict[str, object]:
    settings = {
        name: value
        for name, value in sorted(env.items())
        if name.startswith(_PREFIX) and name not in _NOT_KEYED
    }
    return {"reproenv": __version__, "code": _code_fingerprint(), "settings": settings}


def _code_fingerprint() -> list[list[object]]:
    """Size and mtime of the modules that decide freshness: an edited reproenv (an editable
    install, a patch) does not reuse a stamp its older code made."""
    package = Path(__file__).resolve().parent.parent
    found: list[list[object]] = []
    # "": the foundations on top; lock/conda renders conda-lock.yml, which the check compares
    for folder in ("", "spec", "lock", "lock/pip", "lock/conda", "detect"):
        with os.scandir(package / folder) as entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    info = entry.stat()
                    found.append([f"{folder}/{entry.name}", info.st_size, info.st_mtime_ns])
    return sorted(found)


def _digest(path: str) -> str | None:
    try:
        with Path(path).open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return _FOLDER  # a local project's folder: its presence is what counts
    except OSError:
        return _UNREADABLE  # a file without permission, say: never stamped
