"""Golden tests for every kind of pip input, resolved by the real `reproenv lock` (and uv)
against a local fake index, so the expected files never change with PyPI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex, FakePackage

CASES = Path(__file__).parent / "lock_inputs"
NATIVE = ["cp311-cp311-manylinux_2_28_x86_64", "cp311-cp311-manylinux_2_28_aarch64"]
PACKAGES = [
    FakePackage(
        "app", "1.0",
        requires=["lib>=1", 'extra-dep; extra == "cli"', 'tomli; python_version < "3.11"'],
    ),
    FakePackage("lib", "1.0"),
    FakePackage("lib", "2.0", sdist=True),
    FakePackage("extra-dep", "1.0"),
    FakePackage("tomli", "2.0"),
    FakePackage("devtool", "1.0"),
    FakePackage("winonly", "1.0"),
    FakePackage("native", "1.0", platform_tags=NATIVE),
]  # fmt: skip
PLACEHOLDER = "http://fake-index.invalid/simple"
# a lock file used as it is names no index (PyPI, out of reach offline) and resolves nothing:
# these cases install with pip, so there is no uv to pin for the image
NO_UV = '[image]\ninstaller = "pip"\n'


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    with FakeIndex(PACKAGES).serve() as running:
        yield running


def run_case(cli: Cli, index: FakeIndex, name: str, tmp_path: Path) -> tuple[Path, object]:
    project = tmp_path / name
    shutil.copytree(CASES / name / "input", project)
    result = cli("lock", cwd=project, env={"REPROENV_TEST_INDEX": index.url})
    return project, result


@pytest.mark.parametrize(
    "name", sorted(p.name for p in CASES.iterdir() if (p / "expected").is_dir())
)
def test_lock_matches_expected(
    cli: Cli, index: FakeIndex, name: str, tmp_path: Path, update_golden: bool
) -> None:
    project, result = run_case(cli, index, name, tmp_path)
    assert result.code == 0, result.output  # type: ignore[attr-defined]
    # the index's port changes from run to run; the rest must not
    got = (project / "requirements.lock").read_text().replace(index.url, PLACEHOLDER)
    expected = CASES / name / "expected" / "requirements.lock"
    if update_golden:
        expected.write_text(got)
    assert got == expected.read_text()


def test_prehashed_file_is_used_as_is_without_resolving(
    cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    before = len(index.requests)
    project, result = run_case(cli, index, "prehashed", tmp_path)
    assert result.code == 0, result.output  # type: ignore[attr-defined]
    assert len(index.requests) == before, "a pre-hashed file must not be re-resolved"
    lock = (project / "reproenv.lock").read_text()
    assert "given-hashes" in lock and "(input used as it is)" in lock


def test_unreachable_git_requirement_is_refused_with_file_and_line(
    cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    """Never dropped silently: a git requirement uv cannot fetch names its line, exits 3, and
    does not wait for a host that does not answer."""
    project = tmp_path / "unreachable-git"
    shutil.copytree(CASES / "unreachable-git" / "input", project)
    env = {"REPROENV_TEST_INDEX": index.url, "REPROENV_HTTP_TIMEOUT": "2"}
    result = cli("lock", cwd=project, env=env, timeout=60)
    assert result.code == 3, result.output
    assert "requirements.in:2: lab-utils @ git+https://127.0.0.1:9/lab/utils.git@main" in (
        result.stderr
    )
    assert "vcs-unreachable" in result.stderr
    assert "Traceback" not in result.output
    assert not (project / "reproenv.lock").exists()


def universal_pylock(index: FakeIndex) -> str:
    """A PEP 751 lock as a universal resolver writes it: every wheel, markers kept."""
    entries = []
    for name, version, marker in [
        ("native", "1.0", None),
        ("lib", "2.0", None),
        ("winonly", "1.0", 'sys_platform == "win32"'),
    ]:
        files = [f for f in index.hashes if f.startswith(f"{name}-{version}")]
        wheels = ", ".join(
            f'{{ url = "{index.root}/files/{f}", hashes = {{ sha256 = "{index.hashes[f]}" }} }}'
            for f in sorted(files)
            if f.endswith(".whl")
        )
        entries.append(
            f'[[packages]]\nname = "{name}"\nversion = "{version}"\n'
            + (f"marker = '{marker}'\n" if marker else "")
            + f"wheels = [{wheels}]\n"
        )
    return 'lock-version = "1.0"\ncreated-by = "test"\n\n' + "\n".join(entries)


@pytest.mark.parametrize(
    ("platform", "machine"), [("linux/arm64", "aarch64"), ("linux/amd64", "x86_64")]
)
def test_pylock_input_is_used_as_is_for_each_platform(
    cli: Cli, index: FakeIndex, tmp_path: Path, platform: str, machine: str
) -> None:
    (tmp_path / "pylock.toml").write_text(universal_pylock(index))
    (tmp_path / "reproenv.toml").write_text(
        f'name = "from-pylock"\nplatforms = ["{platform}"]\n[pip]\nrequirements = ["pylock.toml"]\n'
        + NO_UV
    )
    before = len(index.requests)
    result = cli("lock", cwd=tmp_path)
    assert result.code == 0, result.output
    assert len(index.requests) == before, "a lock file input is not resolved again"
    lock = (tmp_path / "reproenv.lock").read_text()
    assert "(pylock.toml used as it is)" in lock
    assert 'name = "winonly"' not in lock  # its marker excludes Linux
    wheels = re.findall(r'name = "(native-[^"]+\.whl)"', lock)
    assert wheels and all(machine in w for w in wheels)


def test_uv_lock_input_keeps_its_pins(cli: Cli, index: FakeIndex, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "lab"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["lib<2", "app"]\n'
    )
    uv = Path(sys.executable).parent / "uv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    subprocess.run(
        [str(uv), "lock", "--no-config", "--quiet", "--index-url", index.url],
        cwd=tmp_path, env=env, check=True,
    )  # fmt: skip
    (tmp_path / "reproenv.toml").write_text(
        'name = "from-uv-lock"\n[pip]\nrequirements = ["uv.lock"]\n' + NO_UV
    )
    result = cli("lock", cwd=tmp_path)
    assert result.code == 0, result.output
    lock = (tmp_path / "reproenv.lock").read_text()
    pins = dict(re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', lock))
    assert pins == {"app": "1.0", "lib": "1.0"}
    assert "(uv.lock used as it is)" in lock
