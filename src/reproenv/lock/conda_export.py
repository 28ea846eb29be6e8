"""conda-lock.yml beside reproenv.lock: the conda records of a lock solved from environment
files, in conda-lock's unified format, for `conda-lock install` and any tool that reads it.

It is an export like requirements.lock (lock/exports.py checks and rewrites it). Not written
when the spec takes a conda-lock.yml or pixi.lock as it is: that file is the input. Its pip
entries are the lock's pip pins, each platform's file by its URL (lock/conda/pip_pins.py).

conda-lock's `content_hash` is its hash of the inputs per platform; here it is the sha256 of
the platform's records (their URLs and sha256s), so the file follows from the lock alone and
an unchanged lock rewrites the same bytes.
"""

from __future__ import annotations

import hashlib
import json

from reproenv.lock.model import Lock
from reproenv.spec.model import Spec

CONDA_LOCK = "conda-lock.yml"


def exports_conda_lock(spec: Spec) -> bool:
    """Does this spec's lock have a conda-lock.yml export (environment files, not a lock file)?"""
    conda = spec.conda
    return conda is not None and conda.lockfile is None and bool(conda.files)


def conda_lock_text(spec: Spec, lock: Lock) -> str | None:
    """The export for `lock`; None when the spec has none or the lock holds no conda records."""
    if not exports_conda_lock(spec) or not lock.conda_packages or spec.conda is None:
        return None
    from reproenv.lock.conda.lockfile_write import write_conda_lock
    from reproenv.lock.conda.pip_pins import entries_from_pins

    return write_conda_lock(
        lock.conda_packages,
        # the pip part's pins (also in requirements.lock, which the image installs from)
        entries_from_pins(lock.pip_packages, lock.python, lock.platforms),
        lock.conda_channels,
        lock.platforms,
        {platform: records_hash(lock, platform) for platform in lock.platforms},
        sources=spec.conda.files,
    )


def records_hash(lock: Lock, platform: str) -> str:
    """sha256 of the platform's records, in a fixed order."""
    records = sorted(
        [record.url, record.sha256]
        for record in lock.conda_packages
        if platform in record.platforms
    )
    document = json.dumps(records, separators=(",", ":"))
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def conda_lock_difference(found: str, wanted: str) -> str | None:
    """How an existing conda-lock.yml differs from the export in what it pins; None when only
    the layout (comments, key order, quoting) differs."""
    import yaml

    try:
        data = yaml.safe_load(found)
    except yaml.YAMLError:
        return "it is not valid YAML"
    expected = yaml.safe_load(wanted)
    if data == expected:
        return None
    if not isinstance(data, dict):
        return "it is not a conda-lock file"
    have = _entries(data.get("package"))
    want = _entries(expected.get("package"))
    extra, lacking = sorted(have - want), sorted(want - have)
    if extra:
        return f"it has {_pin(extra[0])}, which reproenv.lock does not"
    if lacking:
        return f"it lacks {_pin(lacking[0])}"
    return "its metadata (channels, platforms, sources or content hashes) differs"


def _entries(packages: object) -> set[tuple[str, str, str, str, str]]:
    if not isinstance(packages, list):
        return set()
    found = set()
    for entry in packages:
        if isinstance(entry, dict):
            hashes = entry.get("hash")
            sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
            name, version, platform, url = (
                str(entry.get(key)) for key in ("name", "version", "platform", "url")
            )
            found.add((name, version, platform, url, str(sha256)))
    return found


def _pin(entry: tuple[str, str, str, str, str]) -> str:
    name, version, platform, _, sha256 = entry
    return f"{name} {version} ({platform}, sha256 {sha256[:12]})"
