"""What `--backend` names and how it sticks: uv or pip-tools resolve the pip part; conda-lock
solves a conda project's environment files instead of py-rattler (its pip part stays with the
lock's pip backend). A relock uses the backend that made the lock unless told otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reproenv.lock.model import DEFAULT_BACKEND

if TYPE_CHECKING:
    from reproenv.lock.model import Lock
    from reproenv.spec.model import Spec

CONDA_LOCK_BACKEND = "conda-lock"
# how a lock solved by conda-lock names its solver: `conda-solver = "conda-lock 4.0.3"`
# (the space tells it from "conda-lock.yml used as it is", a lock file taken as given)
CONDA_LOCK_SOLVER = "conda-lock "


def made_by_conda_lock(lock: Lock) -> bool:
    return (lock.conda_solver or "").startswith(CONDA_LOCK_SOLVER)


def backend_of(lock: Lock) -> str:
    """The backend that made `lock`, as `--backend` names it."""
    return CONDA_LOCK_BACKEND if made_by_conda_lock(lock) else lock.resolver_backend


def solves_environment_files(spec: Spec) -> bool:
    """The spec names environment files to solve (not a conda lock file to take)."""
    conda = spec.conda
    return conda is not None and bool(conda.files) and conda.lockfile is None


def sticky_backend(previous: Lock | None, spec: Spec) -> str:
    """The backend of a relock without `--backend`: the previous lock's, but conda-lock only
    while the spec still has environment files for it (else the lock's pip backend)."""
    if previous is None:
        return DEFAULT_BACKEND
    chosen = backend_of(previous)
    if chosen == CONDA_LOCK_BACKEND and not solves_environment_files(spec):
        return previous.resolver_backend
    return chosen


def split_backend(backend: str, previous: Lock | None) -> tuple[str, bool]:
    """(the pip backend's name, whether conda-lock solves the conda part). conda-lock keeps
    the previous lock's pip backend; uv or pip-tools chosen again solve conda with py-rattler."""
    if backend != CONDA_LOCK_BACKEND:
        return backend, False
    return (previous.resolver_backend if previous is not None else DEFAULT_BACKEND), True
