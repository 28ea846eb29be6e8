"""A cold lock's uv started from reproenv.toml alone (lock/pip/uv_early.py): the uv backend
takes it exactly when it would run that very command itself, and any other is stopped."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from reproenv.lock import model as lock_model
from reproenv.lock.locker import NO_UPGRADE, Upgrade
from reproenv.lock.pip import uv, uv_early
from reproenv.settings import find_ca_cert
from reproenv.spec import model as spec_model
from reproenv.spec.load import load_spec

BASE = 'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64"]\n'
PIP = '[pip]\nrequirements = ["requirements.in"]\n'

# spec files the early run is guessed from; each must lead to the command the backend runs
GUESSED = {
    "as init writes it": BASE + 'command = ["python", "x.py"]\n' + PIP + "pyproject = false\n"
    '[apt]\npackages = []\n[image]\nuser = "app"\n',
    "another platform": BASE.replace("amd64", "arm64") + PIP,
    "two platforms": BASE.replace('"linux/amd64"', '"linux/amd64", "linux/arm64"') + PIP,
    "two requirement files": BASE + '[pip]\nrequirements = ["requirements.in", "more.in"]\n',
    "indexes with a variable": BASE + PIP + 'index-url = "http://127.0.0.1:1/${IDX}/simple"\n'
    'extra-index-urls = ["http://127.0.0.1:2/simple"]\n',
    "a date and wheels only": BASE + PIP + 'exclude-newer = "2025-01-02"\nonly-wheels = true\n',
}
# spec files that tell too little, or lead elsewhere: no early run
NOT_GUESSED = {
    "python from elsewhere": 'name = "demo"\nplatforms = ["linux/amd64"]\n' + PIP,
    "the default platform": 'name = "demo"\npython = "3.11"\n' + PIP,
    "a platform twice": BASE.replace('"linux/amd64"', '"linux/amd64", "linux/amd64"') + PIP,
    "pyproject dependencies": BASE + PIP + "pyproject = true\n",
    "a pip key it does not know": BASE + PIP + 'groups = ["dev"]\n',
    "no requirement files": BASE + "[pip]\nrequirements = []\n",
    "a conda project": BASE + PIP + "[conda]\n",
    "not TOML": BASE + PIP + "[pip\n",
    "not UTF-8": BASE + PIP + "# \xff\n",
    "a platform uv is not given": BASE.replace("linux/amd64", "linux/s390x") + PIP,
}


class FakeProcess:
    """A uv that has finished without a word; records what it was started with."""

    started: ClassVar[list[list[str]]] = []

    def __init__(self, command: list[str], **_: Any) -> None:
        self.command = command
        self.returncode = 0
        self.killed = False
        FakeProcess.started.append(command)

    def poll(self) -> int:
        return self.returncode

    def kill(self) -> None:
        self.killed = True

    def communicate(self) -> tuple[str, str]:
        return "", ""


class _Stop(Exception):
    pass


@pytest.fixture(autouse=True)
def fake_uv(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    FakeProcess.started = []
    monkeypatch.setattr(uv_early, "Popen", FakeProcess)
    monkeypatch.setenv("IDX", "team")
    yield FakeProcess.started
    uv_early.discard_early()


def project(folder: Path, spec: str, *, encoding: str = "utf-8") -> Path:
    folder.mkdir()
    (folder / "reproenv.toml").write_bytes(spec.encode(encoding, errors="surrogateescape"))
    (folder / "requirements.in").write_text("lib\n")
    (folder / "more.in").write_text("other\n")
    return folder.resolve()


def taken_by_the_backend(
    folder: Path, monkeypatch: pytest.MonkeyPatch, upgrade: Upgrade = NO_UPGRADE, platform: int = 0
) -> uv_early.EarlyRun | None:
    """What the uv backend's own command finds waiting, for the spec as loaded (and the
    spec's `platform`th platform)."""
    spec = load_spec(folder)
    found: list[uv_early.EarlyRun | None] = []

    def take(*args: Any) -> uv_early.EarlyRun | None:
        found.append(uv_early.take_early(*args))
        raise _Stop

    monkeypatch.setattr(uv, "take_early", take)
    with pytest.raises(_Stop):
        uv.resolve_pip(spec, spec.platforms[platform], find_ca_cert(None), upgrade=upgrade)
    return found[0]


def test_the_file_names_are_those_of_the_models() -> None:
    assert (uv_early.SPEC_FILE, uv_early.LOCK_FILE) == (spec_model.SPEC_FILE, lock_model.LOCK_FILE)


@pytest.mark.parametrize("case", list(GUESSED))
@pytest.mark.parametrize("upgrade", [False, True], ids=["", "-U"])
def test_the_backend_takes_the_early_run_of_a_spec_that_tells_its_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_uv: list[list[str]],
    case: str,
    upgrade: bool,
) -> None:
    folder = project(tmp_path / "demo", GUESSED[case])
    uv_early.start_early(folder, upgrade=upgrade)
    platforms = load_spec(folder).platforms
    assert len(fake_uv) == len(platforms), case
    wanted = Upgrade(everything=upgrade)
    for index in range(len(platforms)):
        run = taken_by_the_backend(folder, monkeypatch, wanted, index)
        assert run is not None and run.command == fake_uv[index], case
        assert uv_early.take_early(run.command, run.output, run.cwd, run.env) is None  # once


@pytest.mark.parametrize("case", list(NOT_GUESSED))
def test_a_spec_that_does_not_tell_its_command_starts_nothing(
    tmp_path: Path, fake_uv: list[list[str]], case: str
) -> None:
    text = NOT_GUESSED[case]
    folder = project(tmp_path / "demo", text, encoding="latin-1" if "\xff" in text else "utf-8")
    uv_early.start_early(folder)
    assert fake_uv == [], case


def test_a_project_with_a_lock_starts_nothing(tmp_path: Path, fake_uv: list[list[str]]) -> None:
    folder = project(tmp_path / "demo", GUESSED["as init writes it"])
    (folder / "reproenv.lock").write_text("")  # a relock keeps its pins: uv is told them first
    uv_early.start_early(folder)
    assert fake_uv == []


def test_another_command_environment_or_folder_leaves_the_run_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_uv: list[list[str]]
) -> None:
    folder = project(tmp_path / "demo", GUESSED["as init writes it"])
    uv_early.start_early(folder, upgrade=True)
    assert taken_by_the_backend(folder, monkeypatch) is None  # the backend's has no --upgrade
    run = taken_by_the_backend(folder, monkeypatch, Upgrade(everything=True))
    assert run is not None
    command, output = list(run.command), run.output
    uv_early.discard_early()
    uv_early.start_early(folder)
    again = fake_uv[-1]
    assert uv_early.take_early(again, output, folder.parent, run.env) is None
    assert uv_early.take_early(again, output, folder, {**run.env, "EXTRA": "1"}) is None
    assert uv_early.take_early([*again, "--extra"], output, folder, run.env) is None
    assert uv_early.take_early(command, output, folder, run.env) is None  # the -U one is gone


def test_preferences_in_the_output_file_are_not_what_the_early_run_was_told(
    tmp_path: Path, fake_uv: list[list[str]]
) -> None:
    folder = project(tmp_path / "demo", GUESSED["as init writes it"])
    uv_early.start_early(folder)
    own = tmp_path / "pylock.toml"
    command = [str(own) if arg.endswith("pylock.toml") else arg for arg in fake_uv[0]]
    env = uv_early._runs[0].env
    own.write_text('[[packages]]\nname = "lib"\nversion = "1.0"\n')
    assert uv_early.take_early(command, own, folder, env) is None
    own.unlink()
    assert uv_early.take_early(command, own, folder, env) is not None


def test_a_run_not_taken_is_stopped_and_every_run_s_files_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uv_early, "Popen", subprocess.Popen)
    sleeping = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(uv_early, "compile_command", lambda *_, **__: list(sleeping))
    folder = project(tmp_path / "demo", GUESSED["as init writes it"])
    uv_early.start_early(folder)
    uv_early.start_early(folder)
    first, second = uv_early._runs
    assert first.process.poll() is None
    taken = uv_early.take_early(sleeping, first.output, folder, first.env)
    assert taken is first
    first.process.kill()  # as its taker would have waited for it
    first.process.communicate()
    uv_early.discard_early()
    assert second.process.returncode is not None and second.process.returncode < 0
    assert not first.scratch.exists() and not second.scratch.exists()
    assert uv_early._runs == []


@pytest.mark.parametrize(
    "named", ["{d}/ca.pem", "{d}/sub/../ca.pem", "{d}/./ca.pem", "{d}//ca.pem"]
)
def test_a_ca_bundle_is_named_to_uv_as_the_backend_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_uv: list[list[str]], named: str
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "ca.pem").write_text("a bundle\n")
    monkeypatch.setenv("REPROENV_CA_CERT", named.format(d=tmp_path))
    folder = project(tmp_path / "demo", GUESSED["as init writes it"])
    uv_early.start_early(folder)
    # the early run reads the path as the environment names it, the backend as pathlib
    # writes it (which drops `.` and doubled slashes): uv gets the one absolute path
    run = taken_by_the_backend(folder, monkeypatch)
    assert len(fake_uv) == 1
    assert run is not None and run.env["SSL_CERT_FILE"] == str(tmp_path / "ca.pem")
