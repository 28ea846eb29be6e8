"""What a lock does beside its resolver, which mostly waits on the index: work that starts only
once the resolver runs, so that it does not hold the interpreter while the resolver is being
started, and the loading of the modules the later steps and the lock's report use, which after
the resolver would add to the lock's time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def once_running(running: threading.Event, work: Callable[..., _T], *args: Any) -> _T:
    running.wait()
    return work(*args)


def import_later_steps() -> None:
    import reproenv.lock.apt
    import reproenv.lock.base_python
    import reproenv.lock.diff
    import reproenv.lock.features
    import reproenv.lock.gpu
    import reproenv.lock.pip.dev
    import reproenv.lock.warnings  # noqa: F401
