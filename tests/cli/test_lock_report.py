"""Acceptance: what a lock finds is said out loud (warnings on every `lock`, and in --json), an
index can be locked as it stood on a date, source-only pins are named or refused, a project with
only an environment.yml is told it is not locked, and an explicit base must run the spec's
Python. The real `reproenv` process, real uv, the fake index and the fake registry."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex, FakePackage
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

OLD, NEW = "2022-01-10T08:00:00Z", "2023-03-01T08:00:00Z"
PACKAGES = [
    FakePackage("lib", "1.0", upload_time=OLD),
    FakePackage("lib", "2.0", upload_time=NEW),
    # like numpy 1.19.5 on Python 3.11: an sdist and no wheel for the target
    FakePackage("oldnum", "1.19.5", platform_tags=["cp38-cp38-manylinux2014_x86_64"], sdist=True),
    FakePackage("torch", "9.0.0", requires=["nvidia-cuda-runtime==13.0.96"]),
    FakePackage("nvidia-cuda-runtime", "13.0.96"),
]


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    with FakeIndex(PACKAGES).serve() as running:
        yield running


def project(tmp_path: Path, requirements: str, spec: str = "", pip: str = "") -> Path:
    (tmp_path / "requirements.in").write_text(
        f"--index-url ${{REPROENV_TEST_INDEX}}\n{requirements}"
    )
    (tmp_path / "reproenv.toml").write_text(
        f'name = "demo"\n{spec}[pip]\nrequirements = ["requirements.in"]\n{pip}'
    )
    return tmp_path


def pins(folder: Path) -> dict[str, str]:
    return dict(
        re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', (folder / "reproenv.lock").read_text())
    )


# -- item: lock as of a date ---------------------------------------------------------------


def test_exclude_newer_locks_the_index_as_it_stood(
    cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    env = {"REPROENV_TEST_INDEX": index.url}
    folder = project(tmp_path, "lib\n")
    assert cli("lock", cwd=folder, env=env).code == 0
    assert pins(folder)["lib"] == "2.0"
    spec = folder / "reproenv.toml"
    spec.write_text(spec.read_text() + 'exclude-newer = "2022-06-01"\n')
    # part of the input hash: the lock made without it is stale now
    assert cli("lock", "--check", cwd=folder, env=env).code == 1
    result = cli("lock", cwd=folder, env=env)
    assert result.code == 0, result.output
    assert pins(folder)["lib"] == "1.0"  # 2.0 was uploaded after the date
    assert 'pip-exclude-newer = "2022-06-01"' in (folder / "reproenv.lock").read_text()
    assert cli("lock", "--check", cwd=folder, env=env).code == 0
    # an RFC 3339 timestamp between the two uploads, in another time zone
    spec.write_text(spec.read_text().replace('"2022-06-01"', '"2023-03-01T09:30:00+02:00"'))
    assert cli("lock", cwd=folder, env=env).code == 0
    assert pins(folder)["lib"] == "1.0"  # 07:30 UTC: still before 2.0's 08:00


def test_exclude_newer_that_is_no_date_names_the_key(cli: Cli, tmp_path: Path) -> None:
    folder = project(tmp_path, "lib\n", pip='exclude-newer = "2022-02-30"\n')
    result = cli("lock", cwd=folder)
    assert result.code == 2, result.output
    assert "pip.exclude-newer" in result.stderr and "Traceback" not in result.output


def test_pip_tools_refuses_exclude_newer(cli: Cli, index: FakeIndex, tmp_path: Path) -> None:
    folder = project(tmp_path, "lib\n", pip='exclude-newer = "2022-06-01"\n')
    result = cli(
        "lock", "--backend", "pip-tools", cwd=folder, env={"REPROENV_TEST_INDEX": index.url}
    )
    assert result.code == 2, result.output
    assert "pip-tools backend" in result.stderr and "pip.exclude-newer" in result.stderr
    assert not (folder / "reproenv.lock").exists()


# -- item: source-only pins, and warnings never hidden ---------------------------------------


def test_a_source_only_pin_is_a_warning_every_time_and_in_json(
    cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    env = {"REPROENV_TEST_INDEX": index.url}
    folder = project(tmp_path, "oldnum<1.20\n")
    result = cli("lock", "--json", cwd=folder, env=env)
    assert result.code == 0, result.output
    said = "oldnum 1.19.5 has no wheel for Python 3.11 on linux/amd64: it will be built from source"
    assert said in result.stderr
    assert any(said in w for w in json.loads(result.stdout)["warnings"])
    again = cli("lock", "--json", cwd=folder, env=env)  # up to date: still said
    assert again.code == 0 and "up to date" in again.stderr
    assert said in again.stderr
    assert json.loads(again.stdout) == {
        "changed": False,
        "warnings": json.loads(result.stdout)["warnings"],
    }


def test_only_wheels_refuses_a_source_only_pin_with_its_line(
    cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    folder = project(tmp_path, "lib\noldnum<1.20\n", pip="only-wheels = true\n")
    result = cli("lock", cwd=folder, env={"REPROENV_TEST_INDEX": index.url})
    assert result.code == 2, result.output
    assert "oldnum" in result.stderr and "pip.only-wheels" in result.stderr
    assert "requirements.in:3: oldnum<1.20" in result.stderr
    assert "Traceback" not in result.output
    assert not (folder / "reproenv.lock").exists()


def test_gpu_warnings_are_printed_without_explain_gpu(
    cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    folder = project(tmp_path, "torch==9.0.0\n", spec='gpu = "cuda"\ngpu-driver = "580.95.05"\n')
    result = cli("lock", "--json", cwd=folder, env={"REPROENV_TEST_INDEX": index.url})
    assert result.code == 0, result.output
    said = "torch 9.0.0 is not in reproenv's CUDA data"
    assert f"warning: {said}" in result.stderr
    assert any(w.startswith(said) for w in json.loads(result.stdout)["warnings"])


# -- item: an environment.yml alone is not "0 packages locked" -------------------------------

ENVIRONMENT = """name: gan
channels: [pytorch, nvidia]
dependencies:
  - python >= 3.8
  - pip
  - numpy>=1.20
  - pip:
    - lib==1.0
    - -r requirements-extra.txt
"""


def test_init_names_the_environment_in_conda_and_keeps_its_pip_list(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "environment.yml").write_text(ENVIRONMENT)
    (tmp_path / "requirements-extra.txt").write_text("oldnum\n")
    result = cli("init", cwd=tmp_path)
    assert result.code == 0, result.output
    assert "environment.yml (3 conda packages and 2 pip: lines) is named in [conda]" in (
        result.stderr
    )
    spec = tomllib.loads((tmp_path / "reproenv.toml").read_text())
    assert spec["conda"] == {"environment": ["environment.yml"]}
    # the extra file is an input through the environment's pip: list, not a second time
    assert spec["pip"]["requirements"] == []
    assert not (tmp_path / "requirements-environment.in").exists()


def test_an_environment_file_alone_is_refused_not_locked_empty(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text("dependencies:\n  - python=3.10\n  - numpy\n")
    init = cli("init", cwd=tmp_path)
    assert init.code == 0, init.output
    assert "name no conda channel" in init.stderr  # what the lock will refuse, said now
    # the environment's Python is the spec's: the default base follows it
    spec_file = tmp_path / "reproenv.toml"
    assert tomllib.loads(spec_file.read_text())["python"] == "3.10"
    # a spec that does not name the environment file has nothing to lock
    text = spec_file.read_text()
    spec_file.write_text(text.replace('[conda]\nenvironment = ["environment.yml"]\n', ""))
    result = cli("lock", cwd=tmp_path)
    assert result.code == 2, result.output
    assert "environment.yml is this project's only input (2 conda packages)" in result.stderr
    assert 'add [conda] environment = ["environment.yml"]' in result.stderr
    assert not (tmp_path / "reproenv.lock").exists()


# -- item: Python and base image agree -------------------------------------------------------


@pytest.fixture(scope="module")
def python_registry() -> Iterator[FakeRegistry]:
    registry = FakeRegistry()
    # the official images say their Python in the config; a home-made one does not
    registry.add_index(
        "library/python", "3.11-slim-bookworm", ("amd64",), env=("PYTHON_VERSION=3.11.9",)
    )
    registry.add_image("library/python", "3.12-slim-bookworm", env=("PYTHON_VERSION=3.12.4",))
    registry.add_image("lab/python", "home-made")
    registry.add_image("lab/python", "py312", env=("PYTHON_VERSION=3.12.4",))
    with serve(registry) as running:
        yield running


def test_init_writes_no_base_so_it_follows_python(cli: Cli, sklearn_project: Path) -> None:
    assert cli("init", cwd=sklearn_project).code == 0
    text = (sklearn_project / "reproenv.toml").read_text()
    assert "base" not in tomllib.loads(text)["image"]
    assert '# base = "python:3.11-slim-bookworm"' in text


def test_a_base_with_another_python_is_refused_naming_both(
    cli: Cli, index: FakeIndex, python_registry: FakeRegistry, tmp_path: Path
) -> None:
    folder = project(
        tmp_path, "lib\n", spec='python = "3.12"\n[image]\nbase = "python:3.11-slim-bookworm"\n'
    )
    env = {"REPROENV_TEST_INDEX": index.url, "REPROENV_REGISTRY_MIRROR": python_registry.address}
    result = cli("lock", cwd=folder, env=env)
    assert result.code == 2, result.output
    assert 'python = "3.12"' in result.stderr and "reproenv.toml" in result.stderr
    assert "python:3.11-slim-bookworm (linux/amd64) runs Python 3.11.9" in result.stderr
    assert not (folder / "reproenv.lock").exists()
    # a base that runs the spec's Python locks
    spec = folder / "reproenv.toml"
    spec.write_text(spec.read_text().replace("python:3.11-slim-bookworm", "lab/python:py312"))
    result = cli("lock", cwd=folder, env=env)
    assert result.code == 0, result.output
    assert "could not check" not in result.stderr


def test_a_base_that_cannot_be_asked_is_a_warning_kept_in_the_lock(
    cli: Cli, index: FakeIndex, python_registry: FakeRegistry, tmp_path: Path
) -> None:
    folder = project(tmp_path, "lib\n", spec='[image]\nbase = "lab/python:home-made"\n')
    env = {
        "REPROENV_TEST_INDEX": index.url,
        "REPROENV_REGISTRY_MIRROR": python_registry.address,
        "REPROENV_DOCKER": str(tmp_path / "no-docker"),
    }
    result = cli("lock", cwd=folder, env=env)
    assert result.code == 0, result.output
    said = "could not check the Python of image.base docker.io/lab/python:home-made (linux/amd64)"
    assert said in result.stderr and "PYTHON_VERSION" in result.stderr
    assert said in (folder / "reproenv.lock").read_text()
    # repeated while the lock is up to date, and after a relock that keeps the digest, without
    # asking the registry again
    again = cli("lock", cwd=folder, env={**env, "REPROENV_REGISTRY_MIRROR": "127.0.0.1:9"})
    assert again.code == 0 and said in again.stderr
    (folder / "requirements.in").write_text((folder / "requirements.in").read_text() + "# x\n")
    relocked = cli("lock", cwd=folder, env={**env, "REPROENV_REGISTRY_MIRROR": "127.0.0.1:9"})
    assert relocked.code == 0, relocked.output
    assert said in relocked.stderr
