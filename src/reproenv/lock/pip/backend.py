"""The one seam between the pip locker and the tool that resolves: uv or pip-tools."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from reproenv.lock.locker import Upgrade
    from reproenv.lock.model import LockedImage, LockedPipPackage
    from reproenv.spec.model import Spec

BackendName = Literal["uv", "pip-tools"]


@dataclass(frozen=True)
class PipResolution:
    resolver: str
    wheel_platform: str
    packages: tuple[LockedPipPackage, ...]


class PipBackend(Protocol):
    @property
    def name(self) -> BackendName:
        """Written to the lock as `resolver-backend`."""
        ...

    @property
    def runs_in_base(self) -> bool:
        """It may resolve inside the pinned base of the platform (needs its digest)."""
        ...

    @property
    def parallel(self) -> bool:
        """Its runs for several platforms may go at the same time."""
        ...

    @property
    def variant_indexes(self) -> bool:
        """It can re-resolve from a framework build index the GPU decision names."""
        ...

    @property
    def locks_local_projects(self) -> bool:
        """It locks the build backends of the project's local path requirements."""
        ...

    def resolve(
        self,
        spec: Spec,
        platform: str,
        ca_cert: Path | None,
        image: LockedImage | None,
        *,
        preferences: tuple[LockedPipPackage, ...],
        upgrade: Upgrade,
        variant_indexes: tuple[str, ...],
        started: Callable[[], None],
    ) -> PipResolution: ...
