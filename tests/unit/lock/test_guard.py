from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.guard import LOCK_FILE_NAME, project_lock


def test_a_second_writer_waits_then_fails_naming_the_holder(tmp_path: Path) -> None:
    messages: list[str] = []
    with project_lock(tmp_path):
        started = time.monotonic()
        with (
            pytest.raises(ReproenvError) as caught,
            project_lock(tmp_path, timeout=0.3, on_wait=messages.append),
        ):
            pass
    assert time.monotonic() - started >= 0.3
    assert caught.value.reference == "lock-busy"
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert f"pid {os.getpid()}" in caught.value.message
    assert messages and "waiting for another reproenv" in messages[0]


def test_the_lock_is_free_again_after_use(tmp_path: Path) -> None:
    with project_lock(tmp_path, timeout=0.1):
        pass
    with project_lock(tmp_path, timeout=0.1):
        pass
    assert not list(tmp_path.iterdir()), "the project folder stays clean"


def test_the_lock_lives_in_the_project_with_the_users_umask(tmp_path: Path) -> None:
    held = tmp_path / LOCK_FILE_NAME
    previous = os.umask(0o077)
    try:
        with project_lock(tmp_path, timeout=0.1):
            assert held.is_file(), "the lock is beside the files it guards"
            assert stat.S_IMODE(held.stat().st_mode) == 0o600  # 0o666 less the umask
            assert held.stat().st_uid == os.getuid()
    finally:
        os.umask(previous)
    assert not held.exists()
    # where earlier versions kept it, open to every local user
    key = hashlib.sha256(str(tmp_path.resolve()).encode()).hexdigest()[:20]
    assert not (Path(tempfile.gettempdir()) / "reproenv-locks" / f"{key}.lck").exists()


def test_a_symlink_planted_in_its_place_is_refused_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    (tmp_path / LOCK_FILE_NAME).symlink_to(target)
    with pytest.raises(ReproenvError) as caught, project_lock(tmp_path, timeout=0.1):
        pass
    assert caught.value.reference == "lock-file-unusable"
    assert "symbolic link" in caught.value.message
    assert target.read_text() == "keep"


def test_a_waiter_queues_on_the_file_that_replaced_the_one_it_waited_on(tmp_path: Path) -> None:
    """The holder removes the file before letting go: the waiter must hold the file that is
    there now, or a third run would get the lock beside it."""
    inside = threading.Event()
    leave = threading.Event()

    def second() -> None:
        with project_lock(tmp_path, timeout=10):
            inside.set()
            leave.wait(10)

    with project_lock(tmp_path, timeout=0.1):
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.2)  # it is waiting on this run's file
        assert not inside.is_set()
    assert inside.wait(10)
    try:
        with (
            pytest.raises(ReproenvError) as caught,
            project_lock(tmp_path, timeout=0.2),
        ):
            pass
        assert caught.value.reference == "lock-busy"
    finally:
        leave.set()
        waiter.join(10)
    assert not (tmp_path / LOCK_FILE_NAME).exists()
