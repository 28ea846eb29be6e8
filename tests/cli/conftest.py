"""What the CLI tests share. For `generate`: a served index holding one package, `lib`, and a
project that locks it through ${REPROENV_TEST_INDEX} (the spec names the variable, never the URL).
For the fast paths of `lock`: a served index of a few independent packages and a project whose
requirements.in names it and includes more.in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli, Result
from tests.fakes.package_index import FakeIndex, FakePackage

LIB_PIP = '[pip]\nrequirements = ["requirements.in"]\nindex-url = "${REPROENV_TEST_INDEX}"\n'
DEMO_TOP = 'name = "demo"\ncommand = ["python", "main.py"]\n'


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    with FakeIndex([FakePackage("lib", "1.0")]).serve() as running:
        yield running


def lib_project(folder: Path, top: str | None = DEMO_TOP, rest: str = "") -> Path:
    """requirements.in asking for lib; with `top` (keys before [pip]) a reproenv.toml that
    locks it from the served index, followed by `rest` (further tables)."""
    (folder / "requirements.in").write_text("lib\n")
    if top is not None:
        (folder / "reproenv.toml").write_text(top + LIB_PIP + rest)
    return folder


def with_index(cli: Cli, index: FakeIndex, *args: str, cwd: Path) -> Result:
    return cli(*args, cwd=cwd, env={"REPROENV_TEST_INDEX": index.url})


@pytest.fixture
def demo_index() -> Iterator[FakeIndex]:
    """lib 1.0, other 2.0, extra 1.0 and flit-core 3.9 (a local package's build backend), each
    needing nothing else."""
    names = [("lib", "1.0"), ("other", "2.0"), ("extra", "1.0"), ("flit-core", "3.9")]
    with FakeIndex([FakePackage(name, version) for name, version in names]).serve() as served:
        yield served


def demo_project(folder: Path, spec: str, index: FakeIndex) -> Path:
    """`folder` made a project with `spec` as its reproenv.toml, asking for lib from `index`
    in requirements.in and for other in more.in, which requirements.in includes."""
    folder.mkdir()
    (folder / "reproenv.toml").write_text(spec)
    (folder / "requirements.in").write_text(f"--index-url {index.url}\n-r more.in\nlib\n")
    (folder / "more.in").write_text("other\n")
    return folder
