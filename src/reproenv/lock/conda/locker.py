"""The conda locker: the spec's environment files solved for every target platform, the
previous lock's records kept while they fit. The second `Locker` beside pip's."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.lock.conda.installer import lock_installer
from reproenv.lock.conda.solve import solve, without_token
from reproenv.lock.conda.target import target
from reproenv.lock.locker import Locked, LockRequest
from reproenv.lock.model import LockedCondaPackage, LockedPipPackage
from reproenv.settings import CONDA_MIRROR_ENV, cache_dir
from reproenv.spec.model import CondaEntry, Spec

if TYPE_CHECKING:
    from reproenv.lock.conda.lockfiles import CondaLockInput


@dataclass(frozen=True)
class CondaLocker:
    name: str = "conda"
    needs_base: bool = False
    conda_lock: bool = False  # `--backend conda-lock`: conda-lock solves, not py-rattler

    def lock(self, request: LockRequest) -> Locked:
        spec, conda = request.spec, request.spec.conda
        if conda is None:
            return Locked({})
        if conda.lockfile is not None:
            return _taken_as_it_is(request, conda.lockfile, conda.lockfile_environment)
        if self.conda_lock:
            return _solved_by_conda_lock(request)
        keep = _kept(request)
        specs = _with_python(spec)
        cache = cache_dir()
        solved = [
            solve(
                conda,
                specs,
                target(spec, platform, _base(request, platform)),
                keep=[k for k in keep if platform in k.platforms],
                cache_dir=cache / "conda" if cache else None,
                mirror=os.environ.get(CONDA_MIRROR_ENV) or None,
            )
            for platform in request.platforms
        ]
        request.started()
        return Locked(
            {
                "conda_channels": tuple(without_token(c) for c in conda.channels),
                "conda_solver": f"py-rattler {_rattler_version()}",
                "conda_packages": merge_platforms(solved),
                "conda_installer": _pinned_installer(request),
            }
        )


def _taken_as_it_is(request: LockRequest, lockfile: str, environment: str | None) -> Locked:
    """A conda-lock.yml or pixi.lock: its records for the spec's platforms, not solved again."""
    from reproenv.lock.conda.lockfiles import read_conda_lock
    from reproenv.lock.conda.pixi import read_pixi_lock
    from reproenv.spec.environment import LOCKFILE_KINDS

    path = request.spec.project_dir / lockfile
    if LOCKFILE_KINDS[path.name] == "pixi":
        taken = read_pixi_lock(path, environment, request.platforms)
    else:
        taken = read_conda_lock(path, request.platforms)
    request.started()
    return locked_from_input(request, path.name, taken)


def locked_from_input(request: LockRequest, name: str, taken: CondaLockInput) -> Locked:
    """The conda section of what a lock file `name` pins, used as it is: its records, and its
    pip entries as pins of the pip section (the pip step keeps them and resolves the spec's
    own pip requirements around them)."""
    from reproenv.lock.conda.pip_pins import pins_from_entries

    return Locked(
        {
            "conda_channels": tuple(without_token(c) for c in taken.channels),
            "conda_solver": f"{name} used as it is",
            "conda_packages": taken.packages,
            "conda_installer": _pinned_installer(request),
            "pip_packages": pins_from_entries(taken.pip),
        }
    )


def _solved_by_conda_lock(request: LockRequest) -> Locked:
    """conda-lock's lock file, made in a scratch folder, taken like a `[conda] lockfile`."""
    from reproenv.lock.conda.condalock import LOCKFILE, as_solved, run_conda_lock

    with tempfile.TemporaryDirectory(prefix="reproenv-conda-lock-") as scratch:
        solver = run_conda_lock(request, Path(scratch))
        taken = _taken_as_it_is(request, str(Path(scratch) / LOCKFILE), None)
    return as_solved(taken, solver, request.spec)


def _pinned_installer(request: LockRequest) -> tuple[LockedPipPackage, ...]:
    """py-rattler for the image: the previous lock's pins, or the cache's, unless upgrading."""
    previous, upgrade = request.previous, request.upgrade
    kept = previous.conda_installer if previous is not None and not upgrade else ()
    return lock_installer(request.spec, request.ca_cert, kept, reuse=not upgrade)


def _kept(request: LockRequest) -> tuple[LockedCondaPackage, ...]:
    previous, upgrade = request.previous, request.upgrade
    if previous is None or upgrade.everything:
        return ()
    moving = set(upgrade.packages)
    return tuple(p for p in previous.conda_packages if p.name not in moving)


def _base(request: LockRequest, platform: str) -> str | None:
    image = request.images.get(platform)
    return image.reference if image is not None else None


def _with_python(spec: Spec) -> tuple[CondaEntry, ...]:
    """The environment's specs and the spec's Python: the pip part is resolved for that one,
    and an environment file that pins another is refused with both named."""
    specs = spec.conda.specs if spec.conda is not None else ()
    pin = CondaEntry(text=f"python {spec.python}.*", file=f"{spec.source.name} (python)", line=0)
    return (*specs, pin)


def merge_platforms(
    solved: Sequence[Sequence[LockedCondaPackage]],
) -> tuple[LockedCondaPackage, ...]:
    """One record per file: a noarch package solved for several platforms lists them all."""
    merged: dict[str, LockedCondaPackage] = {}
    for records in solved:
        for record in records:
            found = merged.get(record.url)
            platforms = (*found.platforms, *record.platforms) if found else record.platforms
            merged[record.url] = record.model_copy(
                update={"platforms": tuple(sorted(set(platforms)))}
            )
    return tuple(sorted(merged.values(), key=lambda p: (p.name, p.subdir, p.url)))


def _rattler_version() -> str:
    from importlib.metadata import version

    return version("py-rattler")
