"""What `reproenv rerun` checks: before running, that the image and the code are the recorded
ones; after, whether the declared outputs came out the same."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reproenv.runs.model import CodeState, Comparison, ImageState, PathHash, RunRecord


def _short(value: str | None, length: int = 12) -> str:
    if value is None:
        return "none"
    return value.removeprefix("sha256:")[:length]


def image_differences(recorded: ImageState, current: ImageState | None) -> list[str]:
    """`current`: the image the current lock names, as the engine has it (None: not built)."""
    if current is None:
        return [
            f"image: the recorded image {_short(recorded.id)} ({recorded.tag}) is not the "
            "current lock's, which is not built"
        ]
    if current.id == recorded.id:
        return []
    return [f"image: recorded {_short(recorded.id)} ({recorded.tag}), now {_short(current.id)} "
            f"({current.tag})"]  # fmt: skip


def code_differences(recorded: CodeState, current: CodeState) -> list[str]:
    if recorded.commit is None:
        return []  # nothing was recorded to check against: said as a note, not a difference
    if current.commit is None:
        return [f"code: recorded at commit {_short(recorded.commit)}; now {current.note}"]
    found: list[str] = []
    if current.commit != recorded.commit:
        found.append(
            f"code: recorded at commit {_short(recorded.commit)}, HEAD is now "
            f"{_short(current.commit)}"
        )
    if not recorded.dirty and current.dirty:
        found.append(f"code: the tree has changes the run did not have: {_listed(current.changed)}")
    elif recorded.dirty and current.diff_hash != recorded.diff_hash:
        found.append(
            "code: the recorded run had uncommitted changes "
            f"({_listed(recorded.changed)}); the tree's changes now differ from them"
            + (f" ({_listed(current.changed)})" if current.changed else " (it is clean)")
        )
    return found


def _listed(paths: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


def hash_differences(label: str, recorded: str, current: str) -> list[str]:
    if recorded == current:
        return []
    return [f"{label}: recorded {_short(recorded)}, now {_short(current)}"]


@dataclass(frozen=True)
class OutputCheck:
    path: str
    recorded: PathHash
    current: PathHash
    rewritten: bool  # the run changed something under it (a stale file proves nothing)

    @property
    def identical(self) -> bool:
        return self.recorded.hash is not None and self.current.hash == self.recorded.hash

    @property
    def reason(self) -> str:
        if self.current.kind == "missing":
            return "missing after the rerun"
        if self.recorded.kind == "missing":
            return "missing in the recorded run"
        if not self.rewritten:
            return "not written by the rerun (left from before)"
        return (
            f"{_short(self.recorded.hash)} recorded, {_short(self.current.hash)} now "
            f"({self.current.files} file{'s' if self.current.files != 1 else ''})"
        )


def compare_outputs(
    original: RunRecord, current: Sequence[PathHash], rewritten: Mapping[str, bool]
) -> tuple[Comparison, list[OutputCheck]]:
    now = {item.path: item for item in current}
    checks = []
    for recorded in original.outputs:
        found = now.get(recorded.path) or PathHash(
            path=recorded.path, kind="missing", hash=None, files=0, bytes=0
        )
        checks.append(
            OutputCheck(recorded.path, recorded, found, rewritten.get(recorded.path, True))
        )
    identical = tuple(c.path for c in checks if c.identical and c.rewritten)
    differing = tuple(c.path for c in checks if c.path not in identical)
    comparison = Comparison(
        of=original.id, identical=identical, differing=differing, repeatable=not differing
    )
    return comparison, checks
