"""A large synthetic conda channel, repodata.json alone (no archives): the solver's benchmark.

Shaped like a real channel at a small scale: a few Pythons, many names (a handful popular, most
depended on rarely), several versions each, compiled packages built once per Python and pinned
to it, a fifth noarch, dependency fan-out of 0 to 6 with lower and upper bounds. Every range
admits the oldest version of what it names, and every compiled version is built for every
Python, so the oldest of everything on the oldest Python always solves: any request does.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

PYTHONS = ("3.10", "3.11", "3.12")
_DAY_MS = 86_400_000
_START_MS = 1_672_531_200_000  # 2023-01-01


@dataclass(frozen=True)
class _Name:
    name: str
    versions: tuple[str, ...]
    noarch: bool
    depends: tuple[int, ...]  # indexes of earlier names


def _versions(rng: random.Random) -> tuple[str, ...]:
    major, minor = rng.randint(0, 3), rng.randint(0, 9)
    found = []
    for _ in range(rng.randint(2, 7)):
        found.append(f"{major}.{minor}.{rng.randint(0, 3)}")
        if rng.random() < 0.2:
            major, minor = major + 1, 0
        else:
            minor += 1
    return tuple(found)


def _names(rng: random.Random, count: int) -> list[_Name]:
    names: list[_Name] = []
    for i in range(count):
        # early names are the popular ones: a dependency is drawn with a bias towards them
        pool = range(i)
        fan_out = min(i, rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5, 6)))
        depends = sorted({int(rng.triangular(0, i, 0)) for _ in range(fan_out)} & set(pool))
        names.append(_Name(f"syn-{i:04d}", _versions(rng), rng.random() < 0.2, tuple(depends)))
    return names


def _spec(rng: random.Random, target: _Name) -> str:
    """A range that admits `target`'s oldest version, often with an upper bound."""
    oldest = target.versions[0]
    upper_at = rng.randint(0, len(target.versions))  # the bound excludes versions from here
    if upper_at <= 0 or upper_at >= len(target.versions):
        return f"{target.name} >={oldest}"
    return f"{target.name} >={oldest},<{target.versions[upper_at]}"


def _hashes(filename: str) -> dict[str, str]:
    return {
        "md5": hashlib.md5(filename.encode(), usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(filename.encode()).hexdigest(),
    }


def _records(rng: random.Random, entry: _Name, names: list[_Name]) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for n, version in enumerate(entry.versions):
        depends = [_spec(rng, names[d]) for d in entry.depends]
        builds: list[tuple[str, list[str], int]]
        if entry.noarch:
            builds = [("pyhd8ed1ab_0", ["python >=3.10", *depends], 0)]
        else:
            number = rng.choice((0, 0, 1))
            builds = [
                (f"py{py.replace('.', '')}h{n:07x}_{number}", [*_pin(py), *depends], number)
                for py in PYTHONS
            ]
        for build, build_depends, number in builds:
            filename = f"{entry.name}-{version}-{build}.conda"
            records.append(
                {
                    "build": build,
                    "build_number": number,
                    "depends": sorted(build_depends),
                    "fn": filename,
                    "license": "MIT",
                    "name": entry.name,
                    "size": 1000 + rng.randint(0, 10**6),
                    "subdir": "noarch" if entry.noarch else "linux-64",
                    "timestamp": _START_MS + rng.randint(0, 700) * _DAY_MS,
                    "version": version,
                    **({"noarch": "python"} if entry.noarch else {}),
                    **_hashes(filename),
                }
            )
    return records


def _pin(python: str) -> list[str]:
    major, minor = python.split(".")
    return [
        f"python >={python},<{major}.{int(minor) + 1}.0a0",
        f"python_abi {python}.* *_cp3{minor}",
    ]


def _python_records() -> dict[str, list[dict[str, object]]]:
    """python itself and python_abi, the pin every compiled build carries."""
    records: list[dict[str, object]] = []
    for py in PYTHONS:
        for name, version, build, depends in (
            ("python", f"{py}.9", "h0_0_cpython", []),
            ("python_abi", py, f"5_cp3{py.split('.')[1]}", []),
        ):
            filename = f"{name}-{version}-{build}.conda"
            records.append(
                {
                    "build": build,
                    "build_number": 0,
                    "depends": depends,
                    "fn": filename,
                    "license": "PSF-2.0",
                    "name": name,
                    "size": 30_000_000,
                    "subdir": "linux-64",
                    "timestamp": _START_MS,
                    "version": version,
                    **_hashes(filename),
                }
            )
    return {"linux-64": records, "noarch": []}


def synthetic_names(root: Path) -> list[str]:
    """The names of a synthetic channel, the most depended-upon first."""
    docs = [json.loads((root / s / "repodata.json").read_text()) for s in ("noarch", "linux-64")]
    found = {r["name"] for doc in docs for r in doc["packages.conda"].values()}
    return sorted(n for n in found if n.startswith("syn-"))


def synthetic_repodata(root: Path, records: int = 5000, seed: int = 0) -> Path:
    """Writes a channel of about `records` package records (repodata.json of noarch/ and
    linux-64/, no archives) into the folder `root`; the same arguments give the same bytes."""
    rng = random.Random(seed)
    by_subdir = _python_records()
    names = _names(rng, max(1, records // 8))
    total = sum(len(r) for r in by_subdir.values())
    for entry in names:
        if total >= records:
            break
        found = _records(rng, entry, names)
        by_subdir["noarch" if entry.noarch else "linux-64"].extend(found)
        total += len(found)
    for subdir, found in by_subdir.items():
        doc = {
            "info": {"subdir": subdir},
            "packages": {},
            "packages.conda": {r.pop("fn"): r for r in found},
            "removed": [],
            "repodata_version": 1,
        }
        (root / subdir).mkdir(parents=True, exist_ok=True)
        (root / subdir / "repodata.json").write_text(json.dumps(doc, sort_keys=True))
    return root
