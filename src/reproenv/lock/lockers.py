"""Every registered locker: one per ecosystem, the pip one once per backend, and conda's;
`tests/contract/test_lockers.py` runs each through the same contract."""

from __future__ import annotations

from reproenv.lock.conda.locker import CondaLocker
from reproenv.lock.locker import Locker
from reproenv.lock.pip.locker import BACKENDS, PipLocker

REGISTRY: tuple[Locker, ...] = (*(PipLocker(backend) for backend in BACKENDS), CondaLocker())
