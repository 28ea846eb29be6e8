"""The pip entries of conda lock files through the real CLI, both ways: a conda-lock.yml's or
pixi.lock's pip entries locked as they are (the spec's own pip requirements resolved around
them), and the pip part of an environment file exported to conda-lock.yml with each
platform's file by URL and sha256, read back by py-rattler and rewritten byte for byte."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.lock.conda.installer import INSTALLER, installer_version
from reproenv.lock.conda.lockfiles import read_conda_lock
from reproenv.lock.conda.pixi import read_pixi_lock
from reproenv.lock.model import read_lock
from tests.cli.test_conda_lock import FIXTURES, PIP_INDEX
from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex, FakePackage
from tests.unit.lock.test_conda_solve import repodata_channel

BOTH = ("linux/amd64", "linux/arm64")
SIX_SHA = "44778d82365e4af681c40d5f0eef5cf6f5899d3f0ac335050a7ed6779cf3f674"
SIX_URL = "https://files.example.org/packages/six-1.17.0-py2.py3-none-any.whl"
NATIVE = ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_17_aarch64"]


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    packages = [
        FakePackage(INSTALLER, installer_version()),
        FakePackage("numpy", "1.26.4"),
        # the index has other six files than the lock files pin, and a newer six
        FakePackage("six", "1.17.0"),
        FakePackage("six", "1.18.0"),
        FakePackage("needs-six", "1.0", requires=["six>=1.16"]),
        FakePackage("plotlib", "1.0", requires=["numpy>=1.20"]),
        FakePackage("fastlib", "2.0", platform_tags=NATIVE),
    ]
    with FakeIndex(packages).serve() as running:
        yield running


@pytest.fixture
def cli(cli: Cli, index: FakeIndex) -> Cli:
    return Cli({**cli.env, "REPROENV_TEST_INDEX": index.url})


def _lockfile_project(tmp_path: Path, name: str, requirements: str = "") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / name).write_bytes((FIXTURES / name).read_bytes())
    pip = PIP_INDEX
    if requirements:
        (folder / "requirements.in").write_text(requirements)
        pip += 'requirements = ["requirements.in"]\n'
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64", "linux/arm64"]\n'
        f'[conda]\nlockfile = "{name}"\n' + pip
    )
    return folder


@pytest.mark.parametrize("name", ["conda-lock.yml", "pixi.lock"])
def test_a_lock_files_pip_entries_are_locked_as_it_pins_them(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    folder = _lockfile_project(tmp_path, name)
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    assert "not in reproenv.lock" not in result.stderr
    path = folder / name
    read = read_pixi_lock(path, None, BOTH) if name == "pixi.lock" else read_conda_lock(path, BOTH)
    assert {(e.name, e.version, e.url, e.sha256) for e in read.pip} == {
        ("six", "1.17.0", SIX_URL, SIX_SHA)
    }
    lock = tomllib.loads((folder / "reproenv.lock").read_text())
    assert lock["pip-packages"] == [
        {
            "name": "six",
            "version": "1.17.0",
            "platforms": list(BOTH),
            "wheels": [{"name": SIX_URL.rsplit("/", 1)[1], "sha256": SIX_SHA, "url": SIX_URL}],
        }
    ]
    assert "warnings" not in lock
    exported = (folder / "requirements.lock").read_text()
    assert f"six==1.17.0 \\\n    --hash=sha256:{SIX_SHA}\n" in exported
    first = (folder / "reproenv.lock").read_bytes()
    (folder / "reproenv.lock").unlink()
    assert cli("lock", cwd=folder).code == 0
    assert (folder / "reproenv.lock").read_bytes() == first
    assert cli("lock", "--check", cwd=folder).code == 0
    generated = cli("generate", "--frozen", cwd=folder)
    assert generated.code == 0, generated.output
    assert "requirements.lock" in (folder / "Dockerfile").read_text()


def test_the_specs_own_requirements_are_resolved_around_the_pins(cli: Cli, tmp_path: Path) -> None:
    folder = _lockfile_project(tmp_path, "conda-lock.yml", "needs-six\n")
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    lock = read_lock(folder / "reproenv.lock")
    assert lock is not None
    found = {p.name: p for p in lock.pip_packages}
    assert {n: p.version for n, p in found.items()} == {"needs-six": "1.0", "six": "1.17.0"}
    # six is the lock file's file, not the index's (which has 1.18.0 and its own 1.17.0 wheel)
    (wheel,) = found["six"].wheels
    assert (wheel.url, wheel.sha256) == (SIX_URL, SIX_SHA)
    assert found["six"].platforms == BOTH


def test_a_requirement_against_a_pin_fails_naming_it(cli: Cli, tmp_path: Path) -> None:
    folder = _lockfile_project(tmp_path, "conda-lock.yml", "six==1.18.0\n")
    result = cli("lock", cwd=folder)
    assert result.code == 2, result.output
    assert "six" in result.stderr and "1.17.0" in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert not (folder / "reproenv.lock").exists()


def _environment_project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    channel = repodata_channel(tmp_path / "channel")
    (folder / "environment.yml").write_text(
        f"channels: [{channel}]\ndependencies:\n  - python=3.11\n  - numpy\n"
        "  - pip:\n    - plotlib\n    - fastlib\n"
    )
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64", "linux/arm64"]\n'
        '[conda]\nenvironment = ["environment.yml"]\n' + PIP_INDEX
    )
    return folder


def test_the_export_carries_each_platforms_pip_files(cli: Cli, tmp_path: Path) -> None:
    folder = _environment_project(tmp_path)
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    lock = read_lock(folder / "reproenv.lock")
    assert lock is not None
    # each platform's own fastlib wheel: the other does not install there
    fastlib = {p.platforms: p.wheels for p in lock.pip_packages if p.name == "fastlib"}
    assert {platforms: [w.name.split("manylinux_2_17_")[1] for w in wheels]
            for platforms, wheels in fastlib.items()} == {
        ("linux/amd64",): ["x86_64.whl"],
        ("linux/arm64",): ["aarch64.whl"],
    }  # fmt: skip
    expected = {
        (p.name, p.version, platform, wheel.url, wheel.sha256)
        for p in lock.pip_packages
        for platform in p.platforms
        for wheel in p.wheels
    }
    assert all(url and url.startswith("http://127.0.0.1:") for *_, url, _ in expected)
    pinned = read_conda_lock(folder / "conda-lock.yml", BOTH)
    assert {(e.name, e.version, e.platform, e.url, e.sha256) for e in pinned.pip} == expected
    assert {e.name for e in pinned.pip} == {"fastlib", "plotlib"}  # numpy is conda's
    assert len(pinned.pip) == 4  # one entry per package and platform
    # the same inputs, the same bytes: a lock up to date, and one made afresh
    text = (folder / "conda-lock.yml").read_text()
    assert cli("lock", "--check", cwd=folder).code == 0
    (folder / "reproenv.lock").unlink()
    assert cli("lock", cwd=folder).code == 0
    assert (folder / "conda-lock.yml").read_text() == text


def test_py_rattler_reads_the_exports_pypi_packages(cli: Cli, tmp_path: Path) -> None:
    import rattler

    folder = _environment_project(tmp_path)
    assert cli("lock", cwd=folder).code == 0
    pinned = read_conda_lock(folder / "conda-lock.yml", BOTH)
    environment = rattler.LockFile.from_path(folder / "conda-lock.yml").default_environment()
    assert environment is not None
    found = set()
    for platform in environment.platforms():
        records = environment.conda_repodata_records_for_platform(platform) or []
        assert {r.name.normalized for r in records} == {"numpy", "python"}
        for package in environment.pypi_packages_for_platform(platform) or []:
            found.add((package.name, package.version, package.location))
    assert found == {(e.name, e.version, e.url) for e in pinned.pip}


def test_a_pip_only_lock_records_no_file_urls(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "pip-only"
    folder.mkdir()
    (folder / "requirements.in").write_text("plotlib\n")
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n' + PIP_INDEX + 'requirements = ["requirements.in"]\n'
    )
    assert cli("lock", cwd=folder).code == 0
    lock = tomllib.loads((folder / "reproenv.lock").read_text())
    files = [file for p in lock["pip-packages"] for file in p["wheels"]]
    assert files and all(set(file) == {"name", "sha256"} for file in files)
