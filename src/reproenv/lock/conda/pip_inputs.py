"""An environment file's `pip:` list as an input of the pip locker, resolved by uv for the
environment's own Python, around what conda already installs.

conda's Python packages enter uv's resolution as constraints (`name==version`), so the pip part
agrees with them, and are left out of the pip pins afterwards, so `pip install` never replaces
what conda installed. `-r` / `-c` lines are relative to the environment file, as conda reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from reproenv.lock.model import LockedCondaPackage, LockedPipPackage
from reproenv.spec.environment import INCLUDE as _INCLUDE
from reproenv.spec.model import CondaEntry, Spec
from reproenv.spec.requirements import canonical_name

PIP_PART = "conda-pip.in"
PROVIDED = "conda-provided.txt"
# conda names whose PyPI distribution is called otherwise
_PYPI_NAMES = {"pytorch": "torch", "pytorch-cpu": "torch", "pytorch-gpu": "torch"}
# in the environment and in every resolution, but not distributions uv should pin around
_NOT_DISTRIBUTIONS = {"python", "pip"}


def provided_by_conda(records: Iterable[LockedCondaPackage]) -> dict[str, str]:
    """PyPI name -> version of the conda records that are Python distributions."""
    provided: dict[str, str] = {}
    for record in records:
        if record.name in _NOT_DISTRIBUTIONS:
            continue
        if not any(re.match(r"python(\s|$|[<>=])", depend) for depend in record.depends):
            continue  # a C library or a tool: nothing pip would install
        try:
            Version(record.version)
        except InvalidVersion:
            continue
        provided[canonical_name(_PYPI_NAMES.get(record.name, record.name))] = record.version
    return provided


def pip_part_lines(spec: Spec, entries: Iterable[CondaEntry]) -> list[str]:
    """The `pip:` lines, with their includes made absolute from the environment file's folder."""
    lines = []
    for entry in entries:
        include = _INCLUDE.match(entry.text)
        if include is None:
            lines.append(entry.text)
            continue
        folder = (spec.project_dir / entry.file).parent
        lines.append(f"{include[1]} {(folder / include[2]).resolve()}")
    return lines


def with_pip_part(
    spec: Spec,
    records: Iterable[LockedCondaPackage],
    scratch: Path,
    pinned: Sequence[LockedPipPackage] = (),
) -> tuple[Spec, frozenset[str]]:
    """The spec the pip locker resolves: its requirement files and the `pip:` part; and the
    names conda provides, to leave out of the pins. `pinned` (a conda lock file's pip pins)
    constrains that resolution too."""
    from reproenv.lock.conda.pip_pins import pin_constraints

    conda = spec.conda
    provided = provided_by_conda(records)
    pip_part = conda.pip if conda is not None else ()
    if not (pip_part or spec.requirements or spec.pyproject_dependencies):
        return spec, frozenset(provided)  # nothing for pip to resolve
    constraints = scratch / PROVIDED
    lines = [f"{name}=={version}" for name, version in sorted(provided.items())]
    lines += pin_constraints(pinned, spec.platforms)
    constraints.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    part = scratch / PIP_PART
    part_lines = [*pip_part_lines(spec, pip_part), f"-c {constraints}"]
    part.write_text("\n".join(part_lines) + "\n", encoding="utf-8")
    derived = spec.model_copy(update={"requirements": (*spec.requirements, str(part))})
    return derived, frozenset(provided)
