"""`reproenv lock --backend conda-lock` through the real CLI, where no conda can be installed:
a missing conda/mamba/micromamba, a project without environment files, the backend sticking
on a relock, and conda-lock's failures (a stand-in that records its command line and fails)."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.lock.conda.condalock import CONDA_EXECUTABLES
from reproenv.lock.conda.installer import INSTALLER, installer_version
from reproenv.lock.model import dump_lock, read_lock
from tests.conftest import Cli, snapshot
from tests.fakes.package_index import FakeIndex, FakePackage
from tests.unit.lock.test_conda_solve import repodata_channel

PIP_INDEX = '[pip]\nindex-url = "${REPROENV_TEST_INDEX}"\n'
SPEC = 'name = "demo"\npython = "3.11"\n'


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    packages = [FakePackage(INSTALLER, installer_version()), FakePackage("numpy", "1.26.4")]
    with FakeIndex(packages).serve() as running:
        yield running


@pytest.fixture
def cli(cli: Cli, index: FakeIndex, tmp_path: Path) -> Cli:
    """PATH holds `bin/` and this Python's folder (uv looks for a Python there): no conda,
    mamba, micromamba or conda-lock unless a test puts one in `bin/`."""
    (tmp_path / "bin").mkdir()
    python = Path(sys.executable).parent
    assert not any((python / name).exists() for name in (*CONDA_EXECUTABLES, "conda-lock"))
    path = f"{tmp_path / 'bin'}{os.pathsep}{python}"
    return Cli({**cli.env, "REPROENV_TEST_INDEX": index.url, "PATH": path})


def _conda_project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    channel = repodata_channel(tmp_path / "channel")
    (folder / "environment.yml").write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python=3.11\n  - numpy\n"
    )
    (folder / "reproenv.toml").write_text(
        SPEC + '[conda]\nenvironment = ["environment.yml"]\n' + PIP_INDEX
    )
    return folder


def _tool(tmp_path: Path, name: str, script: str = "exit 0") -> Path:
    path = tmp_path / "bin" / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_without_a_conda_executable_it_exits_3_naming_them(cli: Cli, tmp_path: Path) -> None:
    folder = _conda_project(tmp_path)
    _tool(tmp_path, "conda-lock")  # conda-lock alone is not enough: it drives a conda
    result = cli("lock", "--backend", "conda-lock", cwd=folder)
    assert result.code == 3, result.output
    assert "(conda-lock-no-conda)" in result.stderr
    assert "conda, mamba or micromamba" in result.stderr
    assert "drop `--backend conda-lock`" in result.stderr and "py-rattler" in result.stderr
    assert "Traceback" not in result.output
    assert not (folder / "reproenv.lock").exists()


@pytest.mark.parametrize(
    ("conda", "key"),
    [("", "conda.environment"), ('[conda]\nlockfile = "conda-lock.yml"\n', "conda.lockfile")],
)
def test_a_project_without_environment_files_exits_2_naming_the_key(
    cli: Cli, tmp_path: Path, conda: str, key: str
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "requirements.txt").write_text("numpy\n")
    (folder / "conda-lock.yml").write_text("version: 1\n")
    (folder / "reproenv.toml").write_text(
        SPEC + conda + PIP_INDEX + 'requirements = ["requirements.txt"]\n'
    )
    before = snapshot(folder)
    _tool(tmp_path, "conda")
    result = cli("lock", "--backend", "conda-lock", cwd=folder)
    assert result.code == 2, result.output
    assert "(conda-lock-no-environment)" in result.stderr
    assert key in result.stderr and "reproenv.toml" in result.stderr
    assert snapshot(folder) == before


def test_the_backend_sticks_and_uv_goes_back_to_py_rattler(cli: Cli, tmp_path: Path) -> None:
    folder = _conda_project(tmp_path)
    assert cli("lock", cwd=folder).code == 0  # py-rattler, no conda needed
    # asking for conda-lock on a fresh py-rattler lock relocks with it
    assert cli("lock", "--backend", "conda-lock", cwd=folder).code == 3
    path = folder / "reproenv.lock"
    lock = read_lock(path)
    assert lock is not None and lock.conda_solver and lock.conda_solver.startswith("py-rattler")
    # a lock conda-lock made: a relock without --backend uses conda-lock again
    path.write_text(dump_lock(lock.model_copy(update={"conda_solver": "conda-lock 4.0.3"})))
    environment = folder / "environment.yml"
    environment.write_text(environment.read_text() + "  - tqdm\n")
    sticky = cli("lock", cwd=folder)
    assert sticky.code == 3, sticky.output
    assert "(conda-lock-no-conda)" in sticky.stderr
    back = cli("lock", "--backend", "uv", cwd=folder)
    assert back.code == 0, back.output
    relocked = read_lock(path)
    assert relocked is not None and relocked.conda_solver
    assert relocked.conda_solver.startswith("py-rattler ")
    assert "tqdm" in {p.name for p in relocked.conda_packages}


def _failing_conda_lock(tmp_path: Path, stderr: str) -> Path:
    """A conda-lock that writes its arguments, one a line, and fails with `stderr`."""
    argv = tmp_path / "argv.txt"
    _tool(
        tmp_path,
        "conda-lock",
        f'for a in "$@"; do echo "$a" >> {shlex.quote(str(argv))}; done\n'
        f"printf %s {shlex.quote(stderr)} >&2\nexit 1",
    )
    return argv


def test_a_solve_failure_exits_2_with_its_redacted_tail(cli: Cli, tmp_path: Path) -> None:
    folder = _conda_project(tmp_path)
    conda = _tool(tmp_path, "micromamba")
    argv = _failing_conda_lock(
        tmp_path,
        "Locking dependencies for ['linux-64']...\n"
        "fetching https://user:s3cret@mirror.example/t/tk-77aa/conda-forge/linux-64\n"
        "PackagesNotFoundError: numpy >=9 is not available from current channels\n",
    )
    result = cli("lock", "--backend", "conda-lock", cwd=folder)
    assert result.code == 2, result.output
    assert "(conda-lock-unsatisfiable)" in result.stderr
    assert "PackagesNotFoundError: numpy >=9" in result.stderr
    assert "s3cret" not in result.output and "tk-77aa" not in result.output
    args = argv.read_text().splitlines()
    assert args[:3] == ["lock", "--conda", str(conda)]
    assert args[args.index("-f") + 1] == str(folder / "environment.yml")
    assert args[args.index("-p") + 1] == "linux-64"
    assert "--virtual-package-spec" in args and "--lockfile" in args
    assert not (folder / "reproenv.lock").exists()


def test_any_other_failure_exits_3(cli: Cli, tmp_path: Path) -> None:
    folder = _conda_project(tmp_path)
    _tool(tmp_path, "conda")
    _failing_conda_lock(tmp_path, "CondaHTTPError: HTTP 000 CONNECTION FAILED\n")
    result = cli("lock", "--backend", "conda-lock", cwd=folder)
    assert result.code == 3, result.output
    assert "(conda-lock-failed)" in result.stderr and "CONNECTION FAILED" in result.stderr


def test_the_help_names_the_backend(cli: Cli, tmp_path: Path) -> None:
    result = cli("lock", "--help", cwd=tmp_path, env={"COLUMNS": "300"})
    assert result.code == 0, result.output
    assert "conda-lock" in result.stdout and "micromamba" in result.stdout
