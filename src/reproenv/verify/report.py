"""A verification as text (a summary, or the differences grouped by ecosystem) and as a
stable JSON document (`reproenv verify --json`, documented in docs/verify.md)."""

from __future__ import annotations

from dataclasses import dataclass

from reproenv.verify.compare import ECOSYSTEMS, KINDS, Comparison, Difference

JSON_VERSION = 1


@dataclass(frozen=True)
class Verification:
    image: str  # as the user named it (or the current lock's tag)
    image_id: str
    platform: str | None
    lock: str  # the lock file, as given
    lock_hash: str
    comparison: Comparison

    @property
    def match(self) -> bool:
        return self.comparison.match

    def as_dict(self) -> dict[str, object]:
        grouped: dict[str, list[dict[str, object]]] = {name: [] for name in ECOSYSTEMS}
        for difference in self.comparison.differences:
            grouped[difference.ecosystem].append(difference.as_dict())
        return {
            "version": JSON_VERSION,
            "image": self.image,
            "image-id": self.image_id,
            "platform": self.platform,
            "lock": self.lock,
            "lock-hash": self.lock_hash,
            "match": self.match,
            "checked": dict(self.comparison.checked),
            "differences": grouped,
        }


def summary(result: Verification) -> str:
    checked = result.comparison.checked
    counts = ", ".join(
        _count(checked.get(name, 0), noun)
        for name, noun in (
            ("labels", "label"),
            ("pip", "pip package"),
            ("files", "file against RECORD"),
            ("apt", "apt package"),
            ("conda", "conda record"),
        )
    )
    fingerprint = ", fingerprint" if checked.get("fingerprint") else ""
    return f"{result.image} matches {result.lock} ({result.platform}): {counts}{fingerprint}"


def _count(number: int, noun: str) -> str:
    if number == 1:
        return f"1 {noun}"
    head, _, tail = noun.partition(" against ")
    return f"{number} {head}s" + (f" against {tail}" if tail else "")


def describe(difference: Difference) -> list[str]:
    """One line (and a line a differing file), lock value first: `changed six: 1.17.0 -> 1.16.0`."""
    if difference.kind == "extra":
        line = f"extra    {difference.name} {difference.image}"
    elif difference.kind == "missing":
        line = f"missing  {difference.name} {difference.lock}"
    else:
        lock = "(not locked)" if difference.lock is None else difference.lock
        line = f"changed  {difference.name}: {lock} -> {difference.image}"
        if difference.ecosystem == "pip" and difference.files:
            count = len(difference.files)
            line += f" ({count} file{' differs' if count == 1 else 's differ'} from RECORD)"
    return [line, *(f"    {path}" for path in difference.files)]


def differences_text(result: Verification, limit: int = 50) -> list[str]:
    """The lines for a mismatch, grouped by ecosystem; at most `limit` files per package."""
    count = len(result.comparison.differences)
    lines = [
        f"{result.image} does not match {result.lock} ({result.platform}): "
        f"{count} difference{'s' if count > 1 else ''} (lock -> image)"
    ]
    for ecosystem in ECOSYSTEMS:
        found = [d for d in result.comparison.differences if d.ecosystem == ecosystem]
        if not found:
            continue
        lines.append(f"{ecosystem}:")
        for difference in sorted(found, key=lambda d: (KINDS.index(d.kind), d.name)):
            described = describe(difference)
            lines += [f"  {line}" for line in described[: limit + 1]]
            if len(described) > limit + 1:
                lines.append(f"      ... and {len(described) - limit - 1} more")
    return lines
