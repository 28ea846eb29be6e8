"""Benchmark the walking skeleton against the tools people would use instead.

One run, in scratch copies of examples/sklearn-cpu under a temp dir, measures side by side:

1. a cold-ish lock (the lock files deleted before each run, caches warm): `reproenv lock`
   vs `uv pip compile` for the same target vs `pip-compile` (host interpreter);
2. `reproenv lock --check` on a fresh lock and `reproenv --help` (start-up cost);
3. Docker builds of the reproenv-generated Dockerfile vs a plain hand-written one: a cold
   `--no-cache` build, a rebuild after a one-line change to train.py, and the image sizes.

It prints a table, writes benchmarks/results/skeleton.json and exits 0 even when a target is
missed (it is a report, not a test); it exits 1 only when a command fails.
Run it with `make bench`; see benchmarks/README.md for what each row means and the caveats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "sklearn-cpu"
RESULTS = REPO / "benchmarks" / "results" / "skeleton.json"

# The scratch project's folder name is reproenv's image name: keep it unlikely to collide
# with images other people build on the same engine.
PROJECT_NAME = "reproenv-bench-sklearn-cpu"
REPROENV_COLD_TAG = "bench-reproenv"
NOMOUNT_TAG = "bench-reproenv-nomount"
PLAIN_TAG = "bench-plain"

UV_TARGET = ("--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28")
BUILD_PLATFORM = "linux/amd64"
COMMAND_TIMEOUT_S = 1800

LOCK_RATIO_TARGET = 1.3
START_TARGET_S = 0.3
REBUILD_SPEEDUP_TARGET = 5.0
SIZE_RATIO_TARGET = 1.0

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)
_BASE_ARG = re.compile(r"^ARG BASE_IMAGE=(\S+)$", re.MULTILINE)
_SECRET_ID = re.compile(r"--mount=type=secret,id=([^,\s]+)")
_CACHE_MOUNT_LINE = re.compile(r"^[ \t]*--mount=type=cache,\S*[ \t]*\\\n", re.MULTILINE)
_BUILT = re.compile(r"built (\S+:[0-9a-f]+)")


class CommandFailed(Exception):
    def __init__(self, command: Sequence[str], detail: str) -> None:
        super().__init__(f"`{' '.join(command)}` {detail}")


@dataclass
class Row:
    measurement: str
    reproenv: float
    other: float | None
    other_tool: str
    unit: str  # "s" or "MB"
    ratio: float | None
    ratio_label: str
    target: str
    passed: bool | None  # None: informational, no target


@dataclass
class Report:
    meta: dict[str, object] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """A tool from PATH (`make bench` puts .venv/bin first), else from the repo's venv."""
    found = shutil.which(name)
    if found:
        return found
    local = REPO / ".venv" / "bin" / name
    if local.is_file():
        return str(local)
    raise CommandFailed([name], "not found on PATH or in .venv/bin")


def clean_env(base: Mapping[str, str], ca_cert: str | None) -> dict[str, str]:
    """The environment without pip/uv settings (what reproenv gives its own uv)."""
    env = {k: v for k, v in base.items() if not k.startswith(("PIP_", "UV_"))}
    if ca_cert:
        env["SSL_CERT_FILE"] = ca_cert
        env["REQUESTS_CA_BUNDLE"] = ca_cert
    return env


def run(
    command: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
) -> tuple[float, str]:
    """Run a command; return (wall seconds, stdout+stderr). Raise CommandFailed on failure."""
    start = time.perf_counter()
    try:
        result = subprocess.run(
            list(command),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=COMMAND_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as error:
        raise CommandFailed(command, f"timed out after {COMMAND_TIMEOUT_S} s") from error
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-30:])
        raise CommandFailed(command, f"exited {result.returncode} in {cwd}:\n{tail}")
    return elapsed, result.stdout


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def pins(text: str) -> dict[str, str]:
    return {re.sub(r"[-_.]+", "-", n).lower(): v for n, v in _PIN.findall(text)}


def scratch_copy(root: Path, name: str) -> Path:
    dest = root / name
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


# --- 1 and 2: lock and start-up -------------------------------------------------------------


def timed_repeat(
    label: str,
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    repeat: int,
    before: Sequence[Path] = (),
) -> tuple[list[float], str]:
    """One untimed warm-up run, then `repeat` timed runs; `before` is deleted before each."""
    samples: list[float] = []
    output = ""
    for attempt in range(repeat + 1):
        for path in before:
            path.unlink(missing_ok=True)
        elapsed, output = run(command, cwd=cwd, env=env)
        if attempt == 0:
            log(f"{label}: warm-up {elapsed:.3f} s (untimed)")
        else:
            log(f"{label}: run {attempt}/{repeat} {elapsed:.3f} s")
            samples.append(elapsed)
    return samples, output
