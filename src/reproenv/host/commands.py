"""Running the probe's commands (nvidia-smi, docker info): a missing tool or a failure becomes a
note, never an exception."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from subprocess import CompletedProcess

from reproenv.host.report import describe

Run = Callable[[Sequence[str]], CompletedProcess[str]]

# nvidia-smi can hang for tens of seconds on a wedged driver; doctor must still answer
COMMAND_TIMEOUT_S = 30.0


def run_command(argv: Sequence[str]) -> CompletedProcess[str]:
    return subprocess.run(
        list(argv), capture_output=True, text=True, check=False, timeout=COMMAND_TIMEOUT_S
    )


def call(
    run: Run, argv: list[str], notes: list[str], *, quiet: bool = False
) -> CompletedProcess[str] | None:
    """Run a probe command; a missing tool or a failure becomes a note, not an exception."""
    try:
        done = run(argv)
    except FileNotFoundError:
        if not quiet:
            notes.append(f"{argv[0]} not found")
        return None
    except (OSError, subprocess.SubprocessError) as error:
        if not quiet:
            notes.append(f"`{' '.join(argv)}` failed: {describe(error)}")
        return None
    if done.returncode != 0:
        if not quiet:
            said = (done.stderr or done.stdout or "").strip().splitlines()
            notes.append(
                f"`{' '.join(argv)}` exited {done.returncode}" + (f": {said[0]}" if said else "")
            )
        return None
    return done
