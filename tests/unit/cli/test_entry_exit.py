"""The `reproenv` executable (cli/entry.run) ends the process without the interpreter's
teardown: what it prints arrives whole, every exit handler registered while it runs still
runs, and the exit status is the one the command set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# run() around a stand-in for main(): `behaviour` is its body
LAUNCH = """
import atexit, sys
from reproenv.cli import entry
def main():
    atexit.register(lambda: open(sys.argv[1], "w").write("ran"))
{behaviour}
entry.main = main
entry.run()
"""
BEHAVIOURS = {
    "returns": ("    print('x' * 100, end='')", 0),
    "exits 3": ("    print('x' * 100, end='')\n    sys.exit(3)", 3),
    "exits with a message": ("    sys.exit('stopped: x')", 1),
    "exits None": ("    sys.exit(None)", 0),
    "raises": ("    raise RuntimeError('a bug')", 1),
    "interrupted": ("    raise KeyboardInterrupt", 130),
}


@pytest.mark.parametrize("case", list(BEHAVIOURS))
def test_the_executable_ends_with_main_s_status_its_output_and_exit_handlers(
    tmp_path: Path, case: str
) -> None:
    behaviour, status = BEHAVIOURS[case]
    marker = tmp_path / "handler"
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH.format(behaviour=behaviour), str(marker)],
        env=buffered, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == status, done.stderr
    assert marker.read_text() == "ran"
    if "print" in behaviour:
        assert done.stdout == "x" * 100  # still in its buffer at the end
    if case == "exits with a message":
        assert done.stderr == "stopped: x\n"
    if case == "raises":
        assert "RuntimeError: a bug" in done.stderr
