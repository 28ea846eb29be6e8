"""Is the lock fresh? Answered offline from the files alone, for `lock --check`, `generate` and
`build`: nothing here imports a resolver, a registry client or the network."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from reproenv.detect.conda import ENVIRONMENT_FILES
from reproenv.lock.build_tools import lacks_image_installer
from reproenv.lock.conda_export import CONDA_LOCK
from reproenv.lock.exports import ExportCheck, check_exports
from reproenv.lock.inputs import conda_files, input_hash, local_projects, requirement_files
from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK, Lock, read_lock
from reproenv.spec.model import SPEC_FILE, Spec

# where loading the spec and checking the lock look, besides the requirement files
_LOOKED_AT = (SPEC_FILE, "pyproject.toml", ".python-version", *ENVIRONMENT_FILES)
_PROJECT_METADATA = ("pyproject.toml", "setup.cfg", "setup.py")  # as local_sources_hash reads


class LockState(Enum):
    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"


def lock_path(spec: Spec) -> Path:
    return spec.project_dir / LOCK_FILE


@dataclass(frozen=True)
class LockCheck:
    """What `lock --check` found, from one read of reproenv.lock."""

    state: LockState
    lock: Lock | None
    # (requirements.lock, conda-lock.yml) against the lock; only for a fresh lock
    exports: tuple[ExportCheck, ExportCheck] | None


def check_lock(spec: Spec) -> LockCheck:
    """The lock against the spec's inputs and its exports against the lock, offline."""
    existing = read_lock(lock_path(spec))
    if existing is None:
        return LockCheck(LockState.MISSING, None, None)
    if existing.input_hash != input_hash(spec) or lacks_image_installer(spec, existing):
        return LockCheck(LockState.STALE, existing, None)
    return LockCheck(LockState.FRESH, existing, check_exports(spec, existing))


def check_inputs(spec: Spec) -> list[Path]:
    """Every path whose content or presence decides `lock --check`, for its stamp: a local
    project counts by its folder and the metadata files a lock takes from it, not its code."""
    looked_at = [spec.project_dir / name for name in (*_LOOKED_AT, LOCK_FILE, REQUIREMENTS_LOCK)]
    if spec.conda is not None:  # the export of a lock solved from environment files
        looked_at.append(spec.project_dir / CONDA_LOCK)
    for project in local_projects(spec):
        folder = (spec.project_dir / project.path).resolve()
        looked_at += [folder, *(folder / name for name in _PROJECT_METADATA)]
    return list(dict.fromkeys([*looked_at, *requirement_files(spec), *conda_files(spec)]))
