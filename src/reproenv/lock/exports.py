"""requirements.lock against the reproenv.lock it is derived from: checked, then rewritten."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from reproenv.errors import ExitCode, ReproenvError
from reproenv.fsutil import GENERATED_MARKER, write_atomic
from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK, Lock
from reproenv.lock.pip.export import render_requirements_lock
from reproenv.spec.model import Spec


class ExportState(Enum):
    """requirements.lock against the reproenv.lock it is derived from."""

    FRESH = "fresh"
    MISSING = "missing"
    REFORMATTED = "reformatted"  # the same requirements, laid out otherwise (another version)
    EDITED = "edited"  # other requirements: edited by hand, or an interrupted write


@dataclass(frozen=True)
class ExportCheck:
    state: ExportState
    detail: str = ""  # for EDITED: the first requirement that differs

    @property
    def is_edit(self) -> bool:
        return self.state is ExportState.EDITED

    def notice(self) -> str | None:
        """What a command that rewrote requirements.lock from reproenv.lock says about it."""
        if self.state is ExportState.MISSING:
            return f"{REQUIREMENTS_LOCK} was missing: wrote it from {LOCK_FILE}"
        if self.state is ExportState.REFORMATTED:
            return f"rewrote {REQUIREMENTS_LOCK} from {LOCK_FILE} (same pins, another layout)"
        if self.state is ExportState.EDITED:
            return (
                f"{REQUIREMENTS_LOCK} did not match {LOCK_FILE} ({self.detail}): rewrote it from "
                f"{LOCK_FILE}; it is derived, change the requirement files instead"
            )
        return None


FRESH = ExportCheck(ExportState.FRESH)


def sync_exports(spec: Spec, lock: Lock) -> None:
    """Make requirements.lock match reproenv.lock; callers check it first (`check_export`)."""
    path = spec.project_dir / REQUIREMENTS_LOCK
    text = _export_text(lock)
    if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
        write_atomic(path, text)


def _export_text(lock: Lock) -> str:
    return render_requirements_lock(
        lock.pip_packages,
        lock.python,
        lock.platforms,
        lock.pip_index_url,
        lock.pip_extra_index_urls,
    )


def check_export(spec: Spec, lock: Lock) -> ExportCheck:
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
    """requirements.lock before a relock rewrites it: an edit of the previous lock's export,
    or, without a previous lock, a file reproenv did not write, is said out loud."""
    if previous is not None:
        return check_export(spec, previous)
    path = spec.project_dir / REQUIREMENTS_LOCK
    if not path.is_file() or path.read_bytes().startswith(f"# {GENERATED_MARKER}".encode()):
        return ExportCheck(ExportState.FRESH)  # first lock, or a relock from scratch
    return ExportCheck(ExportState.EDITED, "reproenv did not write it")


def export_edited(spec: Spec, export: ExportCheck, refused_by: str) -> ReproenvError:
    return ReproenvError(
        f"{REQUIREMENTS_LOCK} does not match {LOCK_FILE} ({export.detail}); {refused_by} "
        "does not rewrite it",
        "export-edited",
        f"restore it from version control, or run `reproenv lock` to rewrite it from "
        f"{LOCK_FILE}; to change a pin, change the requirement files and relock",
        {"file": str(spec.project_dir / REQUIREMENTS_LOCK)},
        ExitCode.CHECK_FAILED,
    )
