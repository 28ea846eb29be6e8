"""The lock commands use: fresh, stale or missing; relocked under the project's file lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from reproenv.errors import ExitCode, ReproenvError, bad_input
from reproenv.fsutil import remove_stale_temps, write_atomic
from reproenv.lock.backends import backend_of, sticky_backend
from reproenv.lock.build_tools import lacks_image_installer
from reproenv.lock.conda_export import CONDA_LOCK
from reproenv.lock.exports import (
    FRESH,
    ExportCheck,
    ExportState,
    check_export,
    export_before_relock,
    export_edited,
    sync_exports,
)
from reproenv.lock.guard import project_lock
from reproenv.lock.inputs import input_hash
from reproenv.lock.locker import NO_UPGRADE, Upgrade
from reproenv.lock.model import (
    LOCK_FILE,
    REQUIREMENTS_LOCK,
    Lock,
    dump_lock,
    lock_hash,
    read_lock,
)
from reproenv.lock.state import lock_path
from reproenv.spec.model import Spec

EXPORTS = (REQUIREMENTS_LOCK, CONDA_LOCK)


class LockMode(Enum):
    AUTO = "auto"  # relock when stale
    LOCKED = "locked"  # fail when stale
    FROZEN = "frozen"  # use the lock as it is


@dataclass(frozen=True)
class LockResult:
    lock: Lock
    text: str
    changed: bool
    previous: Lock | None = None
    export: ExportCheck = FRESH  # requirements.lock before this run

    @property
    def hash(self) -> str:
        return lock_hash(self.text)


def write_lock(spec: Spec, lock: Lock) -> str:
    text = dump_lock(lock)
    for path in (lock_path(spec), *(spec.project_dir / name for name in EXPORTS)):
        remove_stale_temps(path)
    # the lock first: the exports are derived from it, rewritten from it when stale
    write_atomic(lock_path(spec), text)
    sync_exports(spec, lock)
    return text


def ensure_lock(
    spec: Spec,
    mode: LockMode,
    ca_cert: Path | None,
    on_wait: Callable[[str], None] = lambda _: None,
    upgrade: Upgrade = NO_UPGRADE,
    backend: str | None = None,
    *,
    exports: bool = True,
) -> LockResult:
    """The lock build/generate use, following uv's --locked / --frozen semantics.

    A stale lock is re-resolved keeping the pins that still fit; `upgrade` re-resolves a
    fresh one too, letting the named packages (or everything) move. requirements.lock is
    checked against the lock and rewritten from it (`exports=False`: left alone, for `run`
    with --frozen, which installs nothing).
    """
    path = lock_path(spec)
    existing = read_lock(path)
    if mode is LockMode.FROZEN:
        if existing is None:
            raise _missing_lock(spec)
        return _current(spec, existing, mode, exports=exports)
    wanted = input_hash(spec)
    switching = backend is not None and existing is not None and backend != backend_of(existing)
    # a lock without the image's installer is relocked like a stale one (its pins kept)
    switching = switching or (existing is not None and lacks_image_installer(spec, existing))
    if existing is not None and existing.input_hash == wanted and not upgrade and not switching:
        return _current(spec, existing, mode)
    if mode is LockMode.LOCKED:
        if existing is None:
            raise _missing_lock(spec)
        raise ReproenvError(
            f"{LOCK_FILE} is stale: the spec or its requirement files changed since it was written",
            "lock-stale",
            "run `reproenv lock` and commit the result, or drop --locked",
            {"file": str(path)},
            ExitCode.CHECK_FAILED,
        )
    with project_lock(spec.project_dir, on_wait=on_wait):
        # another run may have written it while this one waited
        existing = read_lock(path)
        if existing is not None and existing.input_hash == wanted and not upgrade and not switching:
            return _current(spec, existing, mode)
        # the backend sticks: a relock uses the one that made the lock unless told otherwise
        chosen = backend or sticky_backend(existing, spec)
        # imported here: the resolver, the registry client and their HTTP stack are the bulk of
        # reproenv's start-up, and a fresh lock (the common case) needs none of them
        from reproenv.lock.steps import resolve

        lock = resolve(spec, ca_cert, previous=existing, upgrade=upgrade, backend=chosen)
        if existing is not None and lock == existing:
            return _current(spec, existing, mode)
        before = export_before_relock(spec, existing)
        text = write_lock(spec, lock)
        return LockResult(lock, text, changed=True, previous=existing, export=before)


def _current(spec: Spec, lock: Lock, mode: LockMode, *, exports: bool = True) -> LockResult:
    """The lock as it is, with requirements.lock made to match it: rewritten when missing or
    edited (an edit is refused under --locked / --frozen: the user asked for no changes)."""
    export = check_export(spec, lock) if exports else ExportCheck(ExportState.FRESH)
    if export.is_edit and mode is not LockMode.AUTO:
        raise export_edited(spec, export, f"--{mode.value}")
    if exports:
        sync_exports(spec, lock)
    return LockResult(lock, lock_path(spec).read_text(encoding="utf-8"), False, export=export)


def _missing_lock(spec: Spec) -> ReproenvError:
    return bad_input(
        f"no {LOCK_FILE} in {spec.project_dir.name}",
        "lock-missing",
        "run `reproenv lock` first",
        file=str(lock_path(spec)),
    )
