from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.guard import project_lock


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
