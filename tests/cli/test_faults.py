"""Acceptance (faults): crashes, concurrency, failing registries and indexes, damaged locks."""

from __future__ import annotations

import random
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reproenv.lock.model import parse_lock
from tests.conftest import Cli, snapshot
from tests.fakes.gpu_host import REPROENV_LAUNCH
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

pytestmark = pytest.mark.network

SPEC = 'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'
FAST_FAILURE = {"REPROENV_HTTP_RETRIES": "2", "REPROENV_HTTP_BACKOFF": "0.01"}


@pytest.fixture
def locked_project(cli: Cli, sklearn_project: Path) -> Path:
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    result = cli("lock", cwd=sklearn_project)
    assert result.code == 0, result.output
    return sklearn_project


def start_lock(cli: Cli, project: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*REPROENV_LAUNCH, "lock"],
        cwd=project,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_at_random_moments_never_leaves_a_partial_lock(
    cli: Cli, locked_project: Path
) -> None:
    lock = locked_project / "reproenv.lock"
    requirements = locked_project / "requirements.in"
    variants = ["numpy\nscikit-learn\n", "numpy\nscikit-learn\njoblib<2\n"]
    complete = {lock.read_text()}
    # the kill window follows how long a relock takes on this machine, so that some runs die
    # mid-way and some finish however fast or loaded the machine is: the median of three relocks
    # with a warm cache, as the killed runs have (one slow first run must not stretch the window
    # until every run finishes before its kill)
    durations = []
    for variant in (variants[1], variants[0], variants[1]):
        requirements.write_text(variant)
        started = time.monotonic()
        assert cli("lock", cwd=locked_project).code == 0
        durations.append(time.monotonic() - started)
        complete.add(lock.read_text())
    window = 2.5 * sorted(durations)[1]
    rng = random.Random(20261127)
    finished = 0
    for attempt in range(20):
        # alternate the inputs so every run has a different lock to write over the old one
        requirements.write_text(variants[attempt % 2])
        process = start_lock(cli, locked_project)
        time.sleep(rng.uniform(0.0, window))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        finished += process.returncode == 0
        text = lock.read_text()
        parse_lock(text, lock)  # complete and sealed, or this raises
        complete.add(text)
    # both outcomes happened: some runs were killed mid-way, some wrote their lock
    assert 0 < finished < 20
    assert cli("lock", cwd=locked_project).code == 0
    assert not list(locked_project.glob(".*.tmp")), "temp files of killed runs were left behind"


def test_four_concurrent_locks_give_one_valid_lock(cli: Cli, locked_project: Path) -> None:
    (locked_project / "requirements.in").write_text("numpy\nscikit-learn\nthreadpoolctl\n")
    processes = [start_lock(cli, locked_project) for _ in range(4)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    for code, _, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    lock = locked_project / "reproenv.lock"
    parse_lock(lock.read_text(), lock)
    assert cli("lock", "--check", cwd=locked_project).code == 0
    # the runs queued on the project lock: at most one resolved, the others found it fresh
    assert sum("up to date" in stderr for _, _, stderr in results) >= 1


@pytest.fixture
def failing_server() -> Iterator[FakeRegistry]:
    with serve(FakeRegistry()) as server:
        yield server


def assert_exit_3_and_lock_unchanged(
    cli: Cli, project: Path, env: dict[str, str], *needles: str
) -> None:
    requirements = project / "requirements.in"
    requirements.write_text(requirements.read_text() + "joblib\n")  # stale: must resolve
    before = snapshot(project)
    result = cli("lock", cwd=project, env={**FAST_FAILURE, **env})
    assert result.code == 3, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr
    assert snapshot(project) == before


def new_base_image(project: Path) -> None:
    """A relock keeps a digest it already has; a new base image must be resolved."""
    (project / "reproenv.toml").write_text('python = "3.12"\n' + SPEC)


def test_registry_500_is_retried_then_exit_3(
    cli: Cli, locked_project: Path, failing_server: FakeRegistry
) -> None:
    failing_server.status_override = 500
    new_base_image(locked_project)
    env = {"REPROENV_REGISTRY_MIRROR": failing_server.address}
    assert_exit_3_and_lock_unchanged(cli, locked_project, env, "HTTP 500", "3 attempts")
    manifests = [r for r in failing_server.paths if "/manifests/" in r]
    assert len(manifests) == 3


def test_registry_timeout_is_retried_then_exit_3(
    cli: Cli, locked_project: Path, failing_server: FakeRegistry
) -> None:
    failing_server.add_image("library/python", "3.12-slim-bookworm")
    failing_server.delay = 1.5
    new_base_image(locked_project)
    env = {"REPROENV_REGISTRY_MIRROR": failing_server.address, "REPROENV_HTTP_TIMEOUT": "0.3"}
    assert_exit_3_and_lock_unchanged(cli, locked_project, env, "timed out", "3 attempts")


def with_index(project: Path, server: FakeRegistry) -> None:
    (project / "requirements.in").write_text(
        f"--index-url http://{server.address}/simple\nnumpy\nscikit-learn\n"
    )


def test_index_500_is_retried_then_exit_3(
    cli: Cli, locked_project: Path, failing_server: FakeRegistry
) -> None:
    failing_server.status_override = 500
    with_index(locked_project, failing_server)
    env = {"REPROENV_HTTP_RETRIES": "1"}
    assert_exit_3_and_lock_unchanged(cli, locked_project, env, "package index", "500")
    assert len([r for r in failing_server.paths if r.startswith("/simple/")]) >= 2


def test_index_timeout_is_retried_then_exit_3(
    cli: Cli, locked_project: Path, failing_server: FakeRegistry
) -> None:
    failing_server.delay = 3.0
    with_index(locked_project, failing_server)
    env = {"REPROENV_HTTP_RETRIES": "1", "REPROENV_HTTP_TIMEOUT": "1"}
    assert_exit_3_and_lock_unchanged(cli, locked_project, env, "package index")


def truncate(text: str) -> str:
    return text[: len(text) // 2]


def unknown_version(text: str) -> str:
    return text.replace("version = 1\n", "version = 99\n", 1)


def edit_first_hash(text: str) -> str:
    return re.sub(r'sha256 = "[0-9a-f]{64}"', 'sha256 = "' + "0" * 64 + '"', text, count=1)


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        (truncate, "reproenv.lock is damaged"),
        (unknown_version, "lock format version 99"),
        (edit_first_hash, "reproenv.lock was edited by hand"),
    ],
    ids=["truncated", "version-99", "hand-edited-hash"],
)
@pytest.mark.parametrize("command", [("lock",), ("lock", "--check"), ("generate",)])
def test_damaged_locks_are_refused_not_repaired(
    cli: Cli,
    locked_project: Path,
    damage: Callable[[str], str],
    needle: str,
    command: tuple[str, ...],
) -> None:
    lock = locked_project / "reproenv.lock"
    damaged = damage(lock.read_text())
    assert damaged != lock.read_text()
    lock.write_text(damaged)
    before = snapshot(locked_project)
    result = cli(*command, cwd=locked_project)
    assert result.code == 2, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output
    assert "hint:" in result.stderr
    assert snapshot(locked_project) == before
