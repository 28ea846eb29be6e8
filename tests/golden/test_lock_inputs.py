"""Golden tests for every kind of pip input, resolved by the real `reproenv lock` (and uv)
against a local fake index, so the expected files never change with PyPI."""

from __future__ import annotations

import shutil
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


def test_refused_input_names_file_line_and_reason(
    cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    project, result = run_case(cli, index, "refused-vcs", tmp_path)
    assert result.code == 2  # type: ignore[attr-defined]
    stderr = result.stderr  # type: ignore[attr-defined]
    assert "requirements.in:2: lab-utils @ git+https://example.org/lab/utils.git@main" in stderr
    assert "is a VCS requirement" in stderr
    assert "Traceback" not in stderr
    assert not (project / "reproenv.lock").exists()
