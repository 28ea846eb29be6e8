"""What a locker is: one per ecosystem (pip today, conda next), each locking its own section
of reproenv.lock for the target platforms. The service (`lock/steps.py`) calls them in order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from reproenv.lock.model import Lock, LockedImage
    from reproenv.spec.model import Spec


@dataclass(frozen=True)
class Upgrade:
    """What `--upgrade` / `--upgrade-package` allow to move; everything else keeps its pin."""

    everything: bool = False
    packages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.everything or bool(self.packages)


NO_UPGRADE = Upgrade()


@dataclass(frozen=True)
class LockRequest:
    """What a locker takes: the spec, the platforms to lock for, the previous lock (its pins
    are kept while they still satisfy the inputs) and what the user allowed to move."""

    spec: Spec
    platforms: tuple[str, ...]
    previous: Lock | None = None
    upgrade: Upgrade = NO_UPGRADE
    ca_cert: Path | None = None
    # the pinned base per platform, for a locker that resolves inside it (`needs_base`)
    images: Mapping[str, LockedImage] = field(default_factory=dict)
    # framework build indexes the GPU decision asked for (pip's; other lockers ignore them)
    variant_indexes: tuple[str, ...] = ()
    # called once the resolver is running: the service waits for it before it loads its
    # later steps, so that work does not delay the resolver's start
    started: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)


@dataclass(frozen=True)
class Locked:
    """What a locker returns: its section of the lock, as `Lock` fields by name, and the
    warnings its resolution found."""

    section: Mapping[str, Any]
    warnings: tuple[str, ...] = ()


class Locker(Protocol):
    @property
    def name(self) -> str:
        """The ecosystem: `pip`, `conda`."""
        ...

    @property
    def needs_base(self) -> bool:
        """It resolves inside the pinned base image: the base digests are looked up first."""
        ...

    def lock(self, request: LockRequest) -> Locked: ...
