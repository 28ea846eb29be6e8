"""reproenv's conda records as conda-lock's unified `conda-lock.yml` (format version 1), which
`conda-lock install` and `conda-lock render` read: byte-stable, so an unchanged lock rewrites the
same file."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from reproenv.fsutil import GENERATED_MARKER
from reproenv.lock.conda.lockfiles import CONDA_LOCK_VERSION, PipEntry, conda_subdir
from reproenv.lock.model import LockedCondaPackage

_HEADER = (
    f"# {GENERATED_MARKER} — do not edit; regenerate with: reproenv lock\n"
    "# conda-lock's unified format: `conda-lock install -n ENV conda-lock.yml` installs it.\n"
)


def write_conda_lock(
    packages: Sequence[LockedCondaPackage],
    pip: Sequence[PipEntry],
    channels: Sequence[str],
    platforms: Sequence[str],
    content_hashes: Mapping[str, str],
    *,
    sources: Sequence[str] = (),
) -> str:
    """conda-lock's unified format for `platforms` (reproenv's names; `content_hashes` is
    keyed by them too). Entries in conda-lock's order (manager, name, platform), keys in its
    models' order: the same input gives the same bytes."""
    subdirs = {platform: conda_subdir(platform) for platform in sorted(platforms)}
    missing = sorted(set(subdirs) - set(content_hashes))
    if missing:
        raise ValueError(f"no content hash for {', '.join(missing)}")
    entries = [
        _conda_entry(record, subdirs[platform])
        for record in packages
        for platform in sorted(set(record.platforms) & set(subdirs))
    ]
    entries += [
        _pip_out(entry, subdirs[entry.platform]) for entry in pip if entry.platform in subdirs
    ]
    entries.sort(key=lambda e: (e["manager"], e["name"], e["platform"], e["url"]))
    document = {
        "version": CONDA_LOCK_VERSION,
        "metadata": {
            "content_hash": {subdirs[p]: content_hashes[p] for p in subdirs},
            "channels": [{"url": channel, "used_env_vars": []} for channel in channels],
            "platforms": list(subdirs.values()),
            "sources": list(sources),
        },
        "package": entries,
    }
    body = yaml.safe_dump(
        document, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 16
    )
    return _HEADER + body


def _conda_entry(record: LockedCondaPackage, subdir: str) -> dict[str, Any]:
    return {
        "name": record.name,
        "version": record.version,
        "manager": "conda",
        "platform": subdir,
        "dependencies": dependency_map(record.depends),
        "url": record.url,
        "hash": {"md5": record.md5, "sha256": record.sha256},
        "category": "main",
        "optional": False,
    }


def _pip_out(entry: PipEntry, subdir: str) -> dict[str, Any]:
    return {
        "name": entry.name,
        "version": entry.version,
        "manager": "pip",
        "platform": subdir,
        "dependencies": {},
        "url": entry.url,
        "hash": {"sha256": entry.sha256},
        "category": "main",
        "optional": False,
    }


_SPEC_NAME = re.compile(r"\s*([^\s=<>!~\[]+)\s*(.*)")


def dependency_map(depends: Iterable[str]) -> dict[str, str]:
    """Match specs as conda-lock keeps them, {name: the rest of the spec}, sorted by name. A
    name given twice with versions only is merged (`>=1,<2`), as conda merges them."""
    found: dict[str, str] = {}
    for spec in depends:
        match = _SPEC_NAME.match(spec)
        if not match:
            continue
        name, rest = match.group(1), match.group(2).strip()
        before = found.get(name)
        if before is None:
            found[name] = rest
        elif rest and " " not in before + rest:
            found[name] = f"{before},{rest}" if before else rest
    return dict(sorted(found.items()))
