"""One writer per project: concurrent `reproenv lock` runs queue instead of interleaving."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reproenv.errors import environment

DEFAULT_TIMEOUT = 300.0
TIMEOUT_ENV = "REPROENV_LOCK_TIMEOUT"


def _lock_file(project_dir: Path) -> Path:
    # outside the project, so a failed or waiting run leaves nothing behind in it
    key = hashlib.sha256(str(project_dir.resolve()).encode()).hexdigest()[:20]
    folder = Path(tempfile.gettempdir()) / "reproenv-locks"
    folder.mkdir(mode=0o1777, exist_ok=True)
    return folder / f"{key}.lck"


@contextlib.contextmanager
def project_lock(
    project_dir: Path,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] = lambda _: None,
) -> Iterator[None]:
    if timeout is None:
        timeout = float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT))
    path = _lock_file(project_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if not _try_lock(fd):
            holder = _holder(path)
            on_wait(f"waiting for {holder}, which is writing the lock of {project_dir.name}")
            deadline = time.monotonic() + timeout
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise environment(
                        f"gave up after {timeout:.0f} s waiting for {holder} to finish writing "
                        f"the lock of {project_dir.name}",
                        "lock-busy",
                        f"wait for it or stop it; {TIMEOUT_ENV} sets how long to wait",
                        file=str(project_dir / "reproenv.lock"),
                    )
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return f"another reproenv ({text})" if text else "another reproenv"
