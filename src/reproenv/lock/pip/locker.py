"""The pip locker: each platform resolved by one backend, merged into the lock's pip section."""

from __future__ import annotations

from dataclasses import dataclass, field

from reproenv.errors import bad_input
from reproenv.lock.inputs import declared_indexes, local_projects
from reproenv.lock.locker import Locked, LockRequest
from reproenv.lock.model import Lock
from reproenv.lock.pip.backend import BackendName, PipBackend, PipResolution
from reproenv.lock.pip.packages import each_platform, merge_platforms
from reproenv.lock.pip.piptools import PipToolsBackend
from reproenv.lock.pip.uv import UvBackend

BACKENDS: tuple[PipBackend, ...] = (UvBackend(), PipToolsBackend())


def backend_named(name: str) -> PipBackend:
    for backend in BACKENDS:
        if backend.name == name:
            return backend
    known = ", ".join(b.name for b in BACKENDS)
    raise bad_input(f"no pip backend {name!r}", "bad-backend", f"choose one of: {known}")


def lock_backend(lock: Lock) -> BackendName:
    """The backend that made `lock`: a relock keeps it unless told otherwise."""
    return lock.resolver_backend


@dataclass(frozen=True)
class PipLocker:
    backend: PipBackend = field(default_factory=UvBackend)

    @property
    def name(self) -> str:
        return "pip"

    @property
    def needs_base(self) -> bool:
        return self.backend.runs_in_base

    def lock(self, request: LockRequest) -> Locked:
        """Pins of `request.previous` that still satisfy the inputs are kept."""
        resolutions = self._resolve(request)
        indexes = declared_indexes(request.spec)
        projects = local_projects(request.spec) if self.backend.locks_local_projects else ()
        return Locked(
            {
                "resolver": resolutions[0].resolver,
                "resolver_backend": self.backend.name,
                "wheel_platforms": tuple(r.wheel_platform for r in resolutions),
                "pip_packages": merge_platforms([r.packages for r in resolutions]),
                "pip_index_url": indexes[0],
                # a variant's build index is installed from like the declared ones
                "pip_extra_index_urls": (*indexes[1], *request.variant_indexes),
                "pip_exclude_newer": request.spec.exclude_newer,
                # installed after the pins; the uv backend locks their build backends
                # (pip-tools refuses local path lines, and leaves a pip.pyproject project
                # uninstalled, as before)
                "local_projects": tuple(p.path for p in projects),
            }
        )

    def _resolve(self, request: LockRequest) -> list[PipResolution]:
        previous = request.previous
        preferences = previous.pip_packages if previous is not None else ()

        def one(platform: str) -> PipResolution:
            return self.backend.resolve(
                request.spec, platform, request.ca_cert, request.images.get(platform),
                preferences=preferences, upgrade=request.upgrade,
                variant_indexes=request.variant_indexes, started=request.started,
            )  # fmt: skip

        return each_platform(request.platforms, one, parallel=self.backend.parallel)
