"""What differs between two images, layer by layer: the answer to "why are the digests not
equal?" after two builds of the same lock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reproenv.engine.archive import Entry, Layer


@dataclass(frozen=True, order=True)
class Difference:
    layer: int | None  # the layer's index, lowest 0; None for the image config
    path: str
    what: str  # content, mode, mtime, owner, added, removed, whiteout, ...

    def describe(self) -> str:
        if self.layer is None:
            return f"config: {self.path}: {self.what}"
        return f"layer {self.layer}: /{self.path}: {self.what}"


def layer_differences(first: Sequence[Layer], second: Sequence[Layer]) -> list[Difference]:
    found: list[Difference] = []
    for index in range(max(len(first), len(second))):
        if index >= len(first) or index >= len(second):
            only = (first if index < len(first) else second)[index]
            side = "only in the first image" if index < len(first) else "only in the second"
            found.append(Difference(index, "", f"the whole layer ({side})"))
            found += [Difference(index, p, side) for p in sorted(only.entries)]
            continue
        found += _layer_pair(index, first[index], second[index])
    return found


def _layer_pair(index: int, a: Layer, b: Layer) -> list[Difference]:
    found = []
    for path in sorted(a.entries.keys() | b.entries.keys()):
        left, right = a.entries.get(path), b.entries.get(path)
        if left is None or right is None:
            found.append(Difference(index, path, "added" if left is None else "removed"))
            continue
        what = _entry_change(left, right)
        if what:
            found.append(Difference(index, path, what))
    for kind, left_marks, right_marks in (
        ("whiteout", a.whiteouts, b.whiteouts),
        ("opaque folder", a.opaque, b.opaque),
    ):
        for path in sorted(left_marks ^ right_marks):
            change = "removed" if path in left_marks else "added"
            found.append(Difference(index, path, f"{kind} {change}"))
    return found


def _entry_change(a: Entry, b: Entry) -> str:
    changes = []
    if a.digest != b.digest:
        changes.append("content" if not a.digest.startswith("-> ") else "link target")
    if a.mode != b.mode:
        changes.append(f"mode {a.mode:o} -> {b.mode:o}")
    if a.mtime != b.mtime:
        changes.append(f"mtime {a.mtime} -> {b.mtime}")
    if a.owner != b.owner:
        changes.append(f"owner {a.owner} -> {b.owner}")
    return ", ".join(changes)


def config_differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Difference]:
    """Top-level image config fields that differ (`created`, history, labels, ...)."""
    return [
        Difference(None, key, "differs")
        for key in sorted(a.keys() | b.keys())
        if a.get(key) != b.get(key)
    ]
