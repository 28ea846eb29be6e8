"""Is the lock fresh? Answered offline from the files alone, for `lock --check`, `generate` and
`build`: nothing here imports a resolver, a registry client or the network."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from reproenv.detect.conda import ENVIRONMENT_FILES
from reproenv.lock.exports import ExportCheck, check_export
from reproenv.lock.inputs import input_hash, local_projects, requirement_files
from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK, read_lock
from reproenv.spec.model import SPEC_FILE, Spec

# where loading the spec and checking the lock look, besides the requirement files
_LOOKED_AT = (SPEC_FILE, "pyproject.toml", ".python-version", *ENVIRONMENT_FILES)


class LockState(Enum):
    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"


def lock_path(spec: Spec) -> Path:
    return spec.project_dir / LOCK_FILE


def lock_state(spec: Spec) -> LockState:
    existing = read_lock(lock_path(spec))
    if existing is None:
        return LockState.MISSING
    return LockState.FRESH if existing.input_hash == input_hash(spec) else LockState.STALE


def export_state(spec: Spec) -> ExportCheck | None:
    """requirements.lock against reproenv.lock, offline (`lock --check`); None without a lock."""
    existing = read_lock(lock_path(spec))
    return check_export(spec, existing) if existing is not None else None


def check_inputs(spec: Spec) -> list[Path] | None:
    """Every file whose content or presence decides `lock --check`, for its stamp; None when
    that is not a list of files (a local project's source tree is hashed as a whole)."""
    if local_projects(spec):
        return None
    looked_at = [spec.project_dir / name for name in (*_LOOKED_AT, LOCK_FILE, REQUIREMENTS_LOCK)]
    return looked_at + [path for path in requirement_files(spec) if path not in looked_at]
