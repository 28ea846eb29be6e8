"""The exports of reproenv.lock (requirements.lock, and conda-lock.yml for a conda project
solved from its environment files) against the lock they are derived from: checked, then
rewritten."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from reproenv.errors import ExitCode, ReproenvError
from reproenv.fsutil import GENERATED_MARKER, write_atomic
from reproenv.lock.conda_export import (
    CONDA_LOCK,
    conda_lock_difference,
    conda_lock_text,
    exports_conda_lock,
)
from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK, Lock
from reproenv.lock.pip.export import render_requirements_lock
from reproenv.spec.model import Spec


class ExportState(Enum):
    """An export against the reproenv.lock it is derived from."""

    FRESH = "fresh"
    MISSING = "missing"
    REFORMATTED = "reformatted"  # the same requirements, laid out otherwise (another version)
    EDITED = "edited"  # other requirements: edited by hand, or an interrupted write


@dataclass(frozen=True)
class ExportCheck:
    state: ExportState
    detail: str = ""  # for EDITED: the first requirement that differs
    file: str = REQUIREMENTS_LOCK  # the export: requirements.lock or conda-lock.yml

    @property
    def is_edit(self) -> bool:
        return self.state is ExportState.EDITED

    def notice(self) -> str | None:
        """What a command that rewrote the export from reproenv.lock says about it."""
        if self.state is ExportState.MISSING:
            return f"{self.file} was missing: wrote it from {LOCK_FILE}"
        if self.state is ExportState.REFORMATTED:
            return f"rewrote {self.file} from {LOCK_FILE} (same pins, another layout)"
        if self.state is ExportState.EDITED:
            inputs = "environment files" if self.file == CONDA_LOCK else "requirement files"
            return (
                f"{self.file} did not match {LOCK_FILE} ({self.detail}): rewrote it from "
                f"{LOCK_FILE}; it is derived, change the {inputs} instead"
            )
        return None


FRESH = ExportCheck(ExportState.FRESH)


def sync_exports(spec: Spec, lock: Lock) -> None:
    """Make the exports match reproenv.lock; callers check them first (`check_export`)."""
    exports = [(REQUIREMENTS_LOCK, _export_text(lock)), (CONDA_LOCK, conda_lock_text(spec, lock))]
    for name, text in exports:
        path = spec.project_dir / name
        if text is not None and (not path.is_file() or path.read_bytes() != text.encode()):
            write_atomic(path, text)


def check_export(spec: Spec, lock: Lock) -> ExportCheck:
    """The export that most needs saying: an edit first, then a missing or re-laid-out one
    (requirements.lock before conda-lock.yml)."""
    checks = check_exports(spec, lock)
    return min(checks, key=lambda check: _URGENCY.index(check.state))


_URGENCY = (ExportState.EDITED, ExportState.MISSING, ExportState.REFORMATTED, ExportState.FRESH)


def check_exports(spec: Spec, lock: Lock) -> tuple[ExportCheck, ExportCheck]:
    """(requirements.lock, conda-lock.yml) against `lock`; conda-lock.yml is FRESH where the
    project has none to export."""
    return _check_requirements(spec, lock), _check_conda_lock(spec, lock)


def _check_conda_lock(spec: Spec, lock: Lock) -> ExportCheck:
    wanted = conda_lock_text(spec, lock)
    if wanted is None:
        return ExportCheck(ExportState.FRESH, file=CONDA_LOCK)
    try:
        data = (spec.project_dir / CONDA_LOCK).read_bytes()
    except FileNotFoundError:
        return ExportCheck(ExportState.MISSING, file=CONDA_LOCK)
    if data == wanted.encode():
        return ExportCheck(ExportState.FRESH, file=CONDA_LOCK)
    try:
        difference = conda_lock_difference(data.decode("utf-8"), wanted)
    except UnicodeDecodeError:
        difference = "it is not UTF-8 text"
    if difference is None:
        return ExportCheck(ExportState.REFORMATTED, file=CONDA_LOCK)
    return ExportCheck(ExportState.EDITED, difference, CONDA_LOCK)


def _export_text(lock: Lock) -> str:
    return render_requirements_lock(
        lock.pip_packages,
        lock.python,
        lock.platforms,
        lock.pip_index_url,
        lock.pip_extra_index_urls,
    )


def _check_requirements(spec: Spec, lock: Lock) -> ExportCheck:
    """Is requirements.lock what `lock` renders? Comments and layout aside, an edit is a
    difference in what pip would install: a pin, a hash, a marker or an index line."""
    try:
        data = (spec.project_dir / REQUIREMENTS_LOCK).read_bytes()
    except FileNotFoundError:
        return ExportCheck(ExportState.MISSING)
    wanted = _export_text(lock)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ExportCheck(ExportState.EDITED, "it is not UTF-8 text")
    if text == wanted:
        return ExportCheck(ExportState.FRESH)
    found, expected = _requirement_lines(text), _requirement_lines(wanted)
    if found == expected:
        return ExportCheck(ExportState.REFORMATTED)
    return ExportCheck(ExportState.EDITED, _first_difference(found, expected))


def _requirement_lines(text: str) -> list[str]:
    from reproenv.spec.requirements import split_logical

    return sorted(" ".join(line.split()) for _, line in split_logical(text))


def _first_difference(found: list[str], expected: list[str]) -> str:
    def pin(line: str) -> str:
        head = line.split(" --hash=", 1)[0]
        return head if len(head) <= 100 else head[:100] + "…"

    extra = [line for line in found if line not in expected]
    lacking = [line for line in expected if line not in found]
    if extra and lacking and pin(extra[0]) == pin(lacking[0]):
        return f"other hashes for {pin(extra[0])}"
    if extra:
        return f"it has {pin(extra[0])}, which {LOCK_FILE} does not"
    return f"it lacks {pin(lacking[0])}"


def export_before_relock(spec: Spec, previous: Lock | None) -> ExportCheck:
    """The exports before a relock rewrites them: an edit of the previous lock's export,
    or, without a previous lock, a file reproenv did not write, is said out loud."""
    if previous is not None:
        return check_export(spec, previous)
    names = (REQUIREMENTS_LOCK, *((CONDA_LOCK,) if exports_conda_lock(spec) else ()))
    for name in names:
        path = spec.project_dir / name
        if path.is_file() and not path.read_bytes().startswith(f"# {GENERATED_MARKER}".encode()):
            return ExportCheck(ExportState.EDITED, "reproenv did not write it", name)
    return ExportCheck(ExportState.FRESH)  # first lock, or a relock from scratch


def export_edited(spec: Spec, export: ExportCheck, refused_by: str) -> ReproenvError:
    inputs = "environment files" if export.file == CONDA_LOCK else "requirement files"
    return ReproenvError(
        f"{export.file} does not match {LOCK_FILE} ({export.detail}); {refused_by} "
        "does not rewrite it",
        "export-edited",
        f"restore it from version control, or run `reproenv lock` to rewrite it from "
        f"{LOCK_FILE}; to change a pin, change the {inputs} and relock",
        {"file": str(spec.project_dir / export.file)},
        ExitCode.CHECK_FAILED,
    )
