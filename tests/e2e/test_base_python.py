"""Acceptance: an explicit base is checked against the spec's Python on the real engine.

The local test base (`make infra`: Debian 12 by debootstrap, Python 3.11) declares no
PYTHON_VERSION in its config, as official python images do: the lock asks the image itself
(`python3 --version` in a throwaway container of the pinned digest).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex, FakePackage

pytestmark = [pytest.mark.docker]


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    with FakeIndex([FakePackage("lib", "1.0")], uv="binary").serve() as running:
        yield running


def project(folder: Path, index: FakeIndex, python: str, base: str) -> Path:
    folder.mkdir()
    (folder / "requirements.in").write_text(f"--index-url {index.url}\nlib\n")
    (folder / "reproenv.toml").write_text(
        f'name = "{folder.name}"\npython = "{python}"\n[pip]\nrequirements = ["requirements.in"]\n'
        f'[image]\nbase = "{base}"\n'
    )
    return folder


def test_the_pinned_base_is_asked_for_its_python(
    engine_cli: Cli, index: FakeIndex, tmp_path: Path
) -> None:
    # python 3.12 on the 3.11 base: cp312 wheels that pip in it would refuse
    wrong = project(tmp_path / "wrong", index, "3.12", "python:3.11-slim-bookworm")
    result = engine_cli("lock", cwd=wrong)
    assert result.code == 2, result.output
    assert 'python = "3.12"' in result.stderr
    assert "python:3.11-slim-bookworm (linux/amd64) runs Python 3.11." in result.stderr
    assert not (wrong / "reproenv.lock").exists()
    # the same image, named in full (so not the default), with its own Python: locked, no warning
    right = project(
        tmp_path / "right", index, "3.11", "docker.io/library/python:3.11-slim-bookworm"
    )
    result = engine_cli("lock", cwd=right)
    assert result.code == 0, result.output
    assert "could not check" not in result.stderr
    assert "could not check" not in (right / "reproenv.lock").read_text()
