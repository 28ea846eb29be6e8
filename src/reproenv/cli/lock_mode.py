"""--locked / --frozen -> LockMode."""

from __future__ import annotations

from reproenv.errors import bad_input
from reproenv.lock.service import LockMode


def lock_mode(locked: bool, frozen: bool) -> LockMode:
    if locked and frozen:
        raise bad_input("--locked and --frozen exclude each other", "bad-flags", "pass one of them")
    if frozen:
        return LockMode.FROZEN
    return LockMode.LOCKED if locked else LockMode.AUTO
