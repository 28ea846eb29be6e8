"""What an image holds of what a lock controls, read from its saved layers.

The venv's Python distributions (`.dist-info`: name and version from METADATA, each RECORD'ed
file checked against its sha256, and whether it was installed from a local folder), the apt
packages dpkg's status calls installed, the conda prefix's `conda-meta/*.json` records, the
image's labels and platform, and the environment fingerprint. Nothing in the image runs: an
image for another platform is read like any other.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import posixpath
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from reproenv.build.fingerprint import (
    DPKG_STATUS,
    Fingerprint,
    apt_part,
    archive_fingerprint,
    pyc_aware_sha256,
)
from reproenv.engine.archive import Archive, Entry, merge, merged_data, read_archive
from reproenv.oci.platform import format_platform, normalise_platform
from reproenv.spec.requirements import canonical_name

_DIST_FILES = ("METADATA", "RECORD", "direct_url.json")


@dataclass(frozen=True)
class Dist:
    name: str  # canonical (PEP 503)
    version: str
    local: bool = False  # installed from a folder (the project, a local path requirement)
    changed_files: tuple[str, ...] = ()  # RECORD'ed files whose bytes differ, or are gone
    checked_files: int = 0


@dataclass(frozen=True)
class CondaRecord:
    name: str
    version: str
    build: str
    sha256: str | None = None


@dataclass(frozen=True)
class ImageContents:
    """The seam of the comparison: tests give it as data."""

    platform: str | None
    labels: Mapping[str, str] = field(default_factory=dict)
    dists: tuple[Dist, ...] = ()
    apt: Mapping[str, str] | None = None  # name -> version; None: the image has no dpkg
    conda: tuple[CondaRecord, ...] = ()
    fingerprint: Fingerprint | None = None


def wanted(venv: str, prefix: str) -> re.Pattern[str]:
    """The files whose bytes are read: dist-info metadata, conda records, dpkg's status."""
    site = rf"{re.escape(venv.strip('/'))}/lib/python[^/]+/site-packages/[^/]+\.dist-info"
    meta = rf"{re.escape(prefix.strip('/'))}/conda-meta/[^/]+\.json"
    files = "|".join(re.escape(name) for name in _DIST_FILES)
    return re.compile(rf"{site}/(?:{files})|{meta}|{re.escape(DPKG_STATUS)}")


def read_contents(path: Path, *, venv: str, prefix: str) -> ImageContents:
    pattern = wanted(venv, prefix)
    archive = read_archive(
        str(path), hasher=pyc_aware_sha256, keep=lambda name: bool(pattern.fullmatch(name))
    )
    return archive_contents(archive, venv=venv, prefix=prefix)


def archive_contents(archive: Archive, *, venv: str, prefix: str) -> ImageContents:
    tree = merge(archive.layers)
    pattern = wanted(venv, prefix)
    kept = {
        path: data
        for path in tree
        if pattern.fullmatch(path) and (data := merged_data(archive.layers, path)) is not None
    }
    config: Mapping[str, Any] = archive.config
    labels = (config.get("config") or {}).get("Labels") or {}
    return ImageContents(
        platform=_platform(config),
        labels={str(k): str(v) for k, v in labels.items()},
        dists=_dists(tree, kept),
        apt=_apt(kept.get(DPKG_STATUS)) if DPKG_STATUS in tree else None,
        conda=_conda(kept, prefix),
        fingerprint=archive_fingerprint(archive, venv=venv, prefix=prefix),
    )


def _platform(config: Mapping[str, Any]) -> str | None:
    os_name, arch = config.get("os"), config.get("architecture")
    if not os_name or not arch:
        return None
    return format_platform(normalise_platform(str(os_name), str(arch), config.get("variant")))


def _dists(tree: Mapping[str, Entry], kept: Mapping[str, bytes]) -> tuple[Dist, ...]:
    found = []
    for path in sorted(kept):
        folder, _, name = path.rpartition("/")
        if name != "METADATA" or not folder.endswith(".dist-info"):
            continue
        headers = HeaderParser().parsestr(kept[path].decode("utf-8", "replace"))
        if not headers.get("Name"):
            continue
        changed, checked = _record_check(tree, folder, kept.get(f"{folder}/RECORD"))
        found.append(
            Dist(
                canonical_name(str(headers["Name"])),
                str(headers.get("Version", "")).strip(),
                _is_local(kept.get(f"{folder}/direct_url.json")),
                changed,
                checked,
            )
        )
    return tuple(sorted(found, key=lambda d: (d.name, d.version)))


def _is_local(direct_url: bytes | None) -> bool:
    """PEP 610: an install from a folder or file names it by a file: URL. The lock's pins
    come from an index (no direct_url.json) or by their https URL."""
    if direct_url is None:
        return False
    try:
        url = json.loads(direct_url).get("url", "")
    except (ValueError, AttributeError):
        return False
    return isinstance(url, str) and url.startswith("file:")


def _record_check(
    tree: Mapping[str, Entry], folder: str, record: bytes | None
) -> tuple[tuple[str, ...], int]:
    """RECORD'ed files whose sha256 is not the one RECORD gives (or that are gone). A `.pyc`
    is left out: the installer compiles it in the image (RECORD gives it no hash), and the
    layer reader hashes it without its source's mtime."""
    if record is None:
        return (), 0
    site = posixpath.dirname(folder)
    changed, checked = [], 0
    for row in csv.reader(io.StringIO(record.decode("utf-8", "replace"))):
        if len(row) < 2 or not row[1].startswith("sha256=") or row[0].endswith(".pyc"):
            continue
        path = posixpath.normpath(posixpath.join(site, row[0])).lstrip("/")
        expected = _hex(row[1][len("sha256=") :])
        entry = tree.get(path)
        checked += 1
        if entry is None or not stat.S_ISREG(entry.mode):
            changed.append(f"/{path}: removed")
        elif entry.digest != expected:
            changed.append(f"/{path}: content")
    return tuple(changed), checked


def _hex(urlsafe: str) -> str:
    try:
        return base64.urlsafe_b64decode(urlsafe + "=" * (-len(urlsafe) % 4)).hex()
    except (binascii.Error, ValueError):
        return urlsafe


def _apt(status: bytes | None) -> dict[str, str]:
    """Installed packages, name -> version, as the fingerprint reads dpkg's status."""
    return dict(line.split("=", 1) for line in apt_part(status).lines)


def _conda(kept: Mapping[str, bytes], prefix: str) -> tuple[CondaRecord, ...]:
    meta = f"{prefix.strip('/')}/conda-meta/"
    found = []
    for path in sorted(kept):
        if not path.startswith(meta):
            continue
        try:
            record = json.loads(kept[path])
        except ValueError:
            continue
        if not isinstance(record, dict) or "name" not in record:
            continue
        found.append(
            CondaRecord(
                str(record["name"]),
                str(record.get("version", "")),
                str(record.get("build", record.get("build_string", ""))),
                str(record["sha256"]) if record.get("sha256") else None,
            )
        )
    return tuple(found)
