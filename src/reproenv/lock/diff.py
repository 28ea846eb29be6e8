"""What a relock changed, for people (one line per change) and for CI (`--json`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from packaging.version import InvalidVersion, Version

from reproenv.lock.model import Lock


@dataclass(frozen=True)
class Change:
    name: str
    old: str | None
    new: str | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        try:
            return "upgraded" if Version(self.new) > Version(self.old) else "downgraded"
        except InvalidVersion:
            return "changed"

    def line(self) -> str:
        symbol = {"added": "+", "removed": "-", "upgraded": "↑", "downgraded": "↓"}
        if self.old is None or self.new is None:
            return f"{symbol[self.kind]} {self.name} {self.new or self.old}"
        return f"{symbol.get(self.kind, '~')} {self.name} {self.old} -> {self.new}"


@dataclass(frozen=True)
class LockDiff:
    pip: list[Change] = field(default_factory=list)
    images: list[Change] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.pip or self.images)

    def as_dict(self) -> dict[str, object]:
        return {
            "changed": bool(self),
            "pip": [{**asdict(c), "kind": c.kind} for c in self.pip],
            "images": [asdict(c) for c in self.images],
        }


def diff_locks(old: Lock | None, new: Lock) -> LockDiff:
    before = _versions(old) if old else {}
    after = _versions(new)
    pip = [
        Change(name, before.get(name), after.get(name))
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]
    old_images = {(i.reference, i.platform): i.digest for i in old.images} if old else {}
    new_images = {(i.reference, i.platform): i.digest for i in new.images}
    images = [
        Change(f"{ref} ({platform})", old_images.get(key), new_images.get(key))
        for key in sorted(old_images.keys() | new_images.keys())
        for ref, platform in [key]
        if old_images.get(key) != new_images.get(key)
    ]
    return LockDiff(pip, images)


def _versions(lock: Lock) -> dict[str, str]:
    """name -> version; "a, b" where platforms pin different versions."""
    found: dict[str, set[str]] = {}
    for package in lock.pip_packages:
        found.setdefault(package.name, set()).add(package.version)
    return {name: ", ".join(sorted(versions)) for name, versions in found.items()}
