"""What the `generate` tests share: a served index holding one package, `lib`, and a project
that locks it through ${REPROENV_TEST_INDEX} (the spec names the variable, never the URL)."""

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
