"""`resolve` is an ordered list of named steps, each with the reason for its place."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

import pytest

from reproenv.lock import steps
from reproenv.lock.locker import Locked, LockRequest
from reproenv.lock.pip.uv import _run_uv
from reproenv.lock.steps import STEPS
from reproenv.spec.load import load_spec


def test_the_steps_run_in_the_documented_order() -> None:
    assert [step.name for step in STEPS] == [
        "conda only",
        "inputs",
        "base digests for pip",
        "conda per platform",
        "pip per platform",
        "GPU decision and variant re-resolve",
        "dev group",
        "devcontainer Features",
        "base digests",
        "Python on the base",
        "wheels only",
        "base Python check",
        "apt",
    ]


def test_every_step_says_why_it_stands_where_it_does() -> None:
    for step in STEPS:
        assert step.reason and "\n" not in step.reason, step.name
        assert len(step.reason) <= 100, step.name
    assert len({step.name for step in STEPS}) == len(STEPS)


class _RecordingLocker:
    """A pip locker whose resolver 'runs' between two recorded events."""

    needs_base = False

    def __init__(self, events: list[str], *, resolves: bool = True) -> None:
        self.events = events
        self.resolves = resolves

    def lock(self, request: LockRequest) -> Locked:
        if not self.resolves:  # a hashed input used as it is: no resolver runs
            self.events.append("nothing to resolve")
            return Locked({})
        self.events.append("spawning")
        time.sleep(0.05)  # the interpreter is free: a pool task begun early would run now
        request.started()
        time.sleep(0.05)
        self.events.append("resolved")
        return Locked({})


def _pip_step_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, resolves: bool = True
) -> list[str]:
    (tmp_path / "reproenv.toml").write_text('name = "demo"\npython = "3.11"\n')
    events: list[str] = []
    monkeypatch.setattr(steps, "import_later_steps", lambda: events.append("imports"))

    def lookup(*_: object) -> list[object]:
        events.append("lookup")
        return []

    monkeypatch.setattr(steps, "_resolve_images", lookup)
    spec = load_spec(tmp_path, env={})
    locker = cast(Any, _RecordingLocker(events, resolves=resolves))
    steps._pip(steps._Resolution(spec, None, LockRequest(spec, spec.platforms), locker))
    return events


def test_the_later_work_waits_until_the_resolver_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the lookup and the imports hold the interpreter: begun before uv was spawned, they
    # delayed its start by about 0.1 s
    events = _pip_step_events(tmp_path, monkeypatch)
    assert events[0] == "spawning"
    assert sorted(events[1:3]) == ["imports", "lookup"]
    assert events[3] == "resolved"


def test_a_locker_that_runs_no_resolver_leaves_no_work_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _pip_step_events(tmp_path, monkeypatch, resolves=False)  # returns at all
    assert events[0] == "nothing to resolve"
    assert sorted(events[1:]) == ["imports", "lookup"]


def test_uv_is_reported_running_before_it_ends_and_its_errors_come_back(
    tmp_path: Path,
) -> None:
    done = tmp_path / "done"
    script = (
        "import pathlib, sys, time\n"
        "time.sleep(0.3)\n"
        f"pathlib.Path({str(done)!r}).write_text('1')\n"
        "sys.stderr.write('no solution')\n"
        "sys.exit(3)\n"
    )
    finished_when_started: list[bool] = []
    code, stderr = _run_uv(
        [sys.executable, "-c", script], tmp_path, dict(os.environ),
        lambda: finished_when_started.append(done.exists()),
    )  # fmt: skip
    assert (code, stderr) == (3, "no solution")
    assert finished_when_started == [False]


class _WaitingLocker:
    """A pip locker whose resolver ends only once uv for the image has begun beside it."""

    needs_base = False

    def __init__(self, events: list[str], installer_began: threading.Event, pins: tuple[str, ...]):
        self.events = events
        self.installer_began = installer_began
        self.pins = pins

    def lock(self, request: LockRequest) -> Locked:
        request.started()
        # sequential pinning would leave this waiting: the installer begins only after it
        began = self.installer_began.wait(timeout=5)
        self.events.append("resolved beside the installer" if began else "resolved alone")
        return Locked({"pip_packages": self.pins})


def _installer_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locker: object, events: list[str]
) -> tuple[object, ...]:
    spec_text = 'name = "demo"\npython = "3.11"\n[pip]\nrequirements = ["requirements.in"]\n'
    (tmp_path / "reproenv.toml").write_text(spec_text)
    (tmp_path / "requirements.in").write_text("# the model's only input\nnumpy\n")
    monkeypatch.setattr(steps, "import_later_steps", lambda: None)
    monkeypatch.setattr(steps, "_resolve_images", lambda *_: [])
    spec = load_spec(tmp_path, env={})
    state = steps._Resolution(spec, None, LockRequest(spec, spec.platforms), cast(Any, locker))
    steps._pip(state)
    return state.image_installer


def _fake_installer(events: list[str], began: threading.Event) -> Any:
    def pin(request: LockRequest) -> tuple[str, ...]:
        events.append("installer")
        began.set()
        return ("uv-pins",)

    return pin


@pytest.mark.parametrize(
    ("pins", "kept"),
    [(("numpy",), ("uv-pins",)), ((), ())],
    ids=["pins to install: kept", "no pins: dropped"],
)
def test_uv_for_the_image_is_pinned_while_the_project_resolves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pins: tuple[str, ...], kept: tuple[str, ...]
) -> None:
    events: list[str] = []
    began = threading.Event()
    monkeypatch.setattr(steps, "_pin_image_installer", _fake_installer(events, began))
    pinned = _installer_run(tmp_path, monkeypatch, _WaitingLocker(events, began, pins), events)
    assert events == ["installer", "resolved beside the installer"]
    assert pinned == kept


def test_with_no_resolver_run_uv_for_the_image_is_pinned_after_the_pins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class UsedAsItIs:  # a hashed input or a lock file: no resolver waits on the index
        needs_base = False

        def lock(self, request: LockRequest) -> Locked:
            events.append("pins read")
            return Locked({"pip_packages": ("numpy",)})

    events: list[str] = []
    monkeypatch.setattr(steps, "_pin_image_installer", _fake_installer(events, threading.Event()))
    pinned = _installer_run(tmp_path, monkeypatch, UsedAsItIs(), events)
    assert events == ["pins read", "installer"]
    assert pinned == ("uv-pins",)
