"""One writer per project: concurrent `reproenv lock` runs queue instead of interleaving.

The lock file lives in the project, beside the files it guards, created with the user's umask:
whoever may write the project may take it, and no one else can hold it or plant a file in its
place (a shared world-writable folder let any local user do both). It exists only while a run
holds it: the holder removes it before letting go, so the project is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reproenv.errors import environment
from reproenv.settings import LOCK_TIMEOUT_ENV

DEFAULT_TIMEOUT = 300.0
LOCK_FILE_NAME = ".reproenv.lock.lck"


def lock_file(project_dir: Path) -> Path:
    return project_dir / LOCK_FILE_NAME


@contextlib.contextmanager
def project_lock(
    project_dir: Path,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] = lambda _: None,
) -> Iterator[None]:
    if timeout is None:
        timeout = float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_TIMEOUT))
    path, name = lock_file(project_dir), project_dir.name
    deadline: float | None = None
    while True:
        fd = _open(path)
        try:
            if not _try_lock(fd):
                holder = _holder(path)
                if deadline is None:
                    on_wait(f"waiting for {holder}, which is writing the lock of {name}")
                    deadline = time.monotonic() + timeout
                while not _try_lock(fd):
                    if time.monotonic() >= deadline:
                        raise environment(
                            f"gave up after {timeout:.0f} s waiting for {holder} to finish "
                            f"writing the lock of {name}",
                            "lock-busy",
                            f"wait for it or stop it; {LOCK_TIMEOUT_ENV} sets how long to wait",
                            file=str(project_dir / "reproenv.lock"),
                        )
                    time.sleep(0.05)
        except BaseException:
            os.close(fd)
            raise
        if _still_linked(fd, path):
            break
        # the run before removed the file this one waited on: queue on the one there now
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        # removed while still held: a run that opened it meanwhile sees that and reopens
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)  # closing releases the lock


def _open(path: Path) -> int:
    try:
        # 0o666 less the umask, as any new file; never through a symlink planted in its place
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        planted = exc.errno == errno.ELOOP
        raise environment(
            f"cannot use {path.name} to queue writers of {path.parent.name}: "
            + ("it is a symbolic link" if planted else exc.strerror or str(exc)),
            "lock-file-unusable",
            f"remove {path}" if planted else f"make {path.parent} writable by this user",
            file=str(path),
        ) from None


def _still_linked(fd: int, path: Path) -> bool:
    try:
        named = path.lstat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return f"another reproenv ({text})" if text else "another reproenv"
