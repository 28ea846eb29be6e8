"""The image's contents against the lock: extra, missing and changed, by ecosystem. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from reproenv.verify.contents import CondaRecord, Dist, ImageContents
from reproenv.verify.expected import VENV_SEED, CondaPin, Expected

ECOSYSTEMS = ("labels", "pip", "apt", "conda", "fingerprint")
KINDS = ("missing", "extra", "changed")


@dataclass(frozen=True, order=True)
class Difference:
    ecosystem: str  # one of ECOSYSTEMS
    kind: str  # one of KINDS
    name: str
    lock: str | None = None  # what the lock says (None: the lock has no such thing)
    image: str | None = None  # what the image has (None: it has none)
    files: tuple[str, ...] = ()  # a distribution's files that differ from its RECORD

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"kind": self.kind, "name": self.name}
        found["lock"], found["image"] = self.lock, self.image
        if self.files:
            found["files"] = list(self.files)
        return found


@dataclass(frozen=True)
class Comparison:
    checked: Mapping[str, int]  # what was compared, per ecosystem, and "files" (RECORD'ed)
    differences: tuple[Difference, ...]

    @property
    def match(self) -> bool:
        return not self.differences


def compare(
    expected: Expected, found: ImageContents, recorded: Mapping[str, object] | None = None
) -> Comparison:
    """`recorded`: the image's build record, whose fingerprint is checked when it has one."""
    if not expected.known_platform:
        platform = Difference(
            "labels", "changed", "platform", "one of the lock's platforms", expected.platform
        )
        return Comparison({"labels": 1}, (platform,))
    pip, files = _pip(expected.pip, found.dists)
    differences = [
        *_labels(expected, found),
        *pip,
        *_apt(expected.apt, found.apt),
        *_conda(expected.conda, found.conda),
        *_fingerprint(found, recorded),
    ]
    checked = {
        "labels": len(expected.labels) + 1,  # and the platform
        "pip": len(expected.pip),
        "files": files,
        "apt": len(expected.apt),
        "conda": len(expected.conda),
        "fingerprint": int(_recorded_digest(recorded) is not None),
    }
    return Comparison(checked, tuple(sorted(differences)))


def _labels(expected: Expected, found: ImageContents) -> list[Difference]:
    differences = []
    if found.platform != expected.platform:
        differences.append(
            Difference("labels", "changed", "platform", expected.platform, found.platform)
        )
    for key, value in expected.labels.items():
        actual = found.labels.get(key)
        if actual != value:
            differences.append(
                Difference("labels", "missing" if actual is None else "changed", key, value, actual)
            )
    return differences


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (`1.0` is `1.0.0`), else the strings."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _pip(pins: Mapping[str, str], dists: tuple[Dist, ...]) -> tuple[list[Difference], int]:
    differences, files = [], 0
    installed: dict[str, Dist] = {}
    doubled: dict[str, list[str]] = {}  # two dist-info folders of one name: both versions
    for dist in dists:
        if dist.local and dist.name not in pins:
            continue  # the project or a local path requirement: built in the image, not pinned
        if dist.name in installed:
            doubled.setdefault(dist.name, [installed[dist.name].version]).append(dist.version)
        installed[dist.name] = dist
    for name, versions in sorted(doubled.items()):
        differences.append(Difference("pip", "changed", name, pins.get(name), ", ".join(versions)))
    for name, dist in sorted(installed.items()):
        if name in doubled:
            continue
        if name not in pins:
            if name not in VENV_SEED:
                differences.append(Difference("pip", "extra", name, None, dist.version))
            continue
        files += dist.checked_files
        if not same_version(pins[name], dist.version) or dist.changed_files:
            differences.append(
                Difference("pip", "changed", name, pins[name], dist.version, dist.changed_files)
            )
    differences += [
        Difference("pip", "missing", name, version, None)
        for name, version in pins.items()
        if name not in installed
    ]
    return differences, files


def _apt(pins: Mapping[str, str], installed: Mapping[str, str] | None) -> list[Difference]:
    """Only what the lock pins: the base's own packages are the base's."""
    differences = []
    for name, version in sorted(pins.items()):
        actual = (installed or {}).get(name)
        if actual is None:
            differences.append(Difference("apt", "missing", name, version, None))
        elif actual != version:
            differences.append(Difference("apt", "changed", name, version, actual))
    return differences


def _conda(pins: Mapping[str, CondaPin], records: tuple[CondaRecord, ...]) -> list[Difference]:
    """The prefix is reproenv's: a record the lock does not name is extra."""
    differences = []
    installed = {record.name: record for record in records}
    for name, record in sorted(installed.items()):
        pin = pins.get(name)
        if pin is None:
            differences.append(
                Difference("conda", "extra", name, None, f"{record.version} {record.build}")
            )
        elif (record.version, record.build) != (pin.version, pin.build) or (
            record.sha256 and record.sha256 != pin.sha256
        ):
            found = f"{record.version} {record.build}"
            if (record.version, record.build) == (pin.version, pin.build):
                found += f" (sha256 {record.sha256})"
            differences.append(Difference("conda", "changed", name, pin.describe(), found))
    differences += [
        Difference("conda", "missing", name, pin.describe(), None)
        for name, pin in pins.items()
        if name not in installed
    ]
    return differences


def _recorded_digest(recorded: Mapping[str, object] | None) -> str | None:
    digest = (recorded or {}).get("fingerprint")
    return digest if isinstance(digest, str) else None


def _fingerprint(found: ImageContents, recorded: Mapping[str, object] | None) -> list[Difference]:
    """The build record's fingerprint, when `build --fingerprint` left one for this image."""
    digest = _recorded_digest(recorded)
    if digest is None or found.fingerprint is None or digest == found.fingerprint.digest:
        return []
    parts = []
    for part in found.fingerprint.parts:
        kept = (recorded or {}).get(part.name)
        if isinstance(kept, dict) and kept.get("hash") != part.digest:
            parts.append(f"{part.where}: {kept.get('hash')} -> {part.digest}")
    return [
        Difference(
            "fingerprint", "changed", "fingerprint", digest, found.fingerprint.digest, tuple(parts)
        )
    ]
