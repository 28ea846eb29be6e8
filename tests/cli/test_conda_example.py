"""examples/conda-env locks against the local channel (served as conda-forge's mirror) to the
golden lock in tests/golden/conda-example/input, byte for byte, which the golden Dockerfile is
rendered from."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.lock.conda.installer import INSTALLER, installer_version
from tests.conftest import Cli
from tests.fakes.conda_channel import ChannelServer
from tests.fakes.package_index import FakeIndex, FakePackage

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "conda-env"
GOLDEN = ROOT / "tests" / "golden" / "conda-example" / "input"
# the example names no index: the test points it at the fake one, offline
INDEX_TABLE = '\n[pip]\nindex-url = "${REPROENV_TEST_INDEX}"\n'


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    packages = [FakePackage(INSTALLER, installer_version()), FakePackage("tyro", "0.8.14")]
    with FakeIndex(packages).serve() as running:
        yield running


def test_the_example_locks_to_the_golden_lock(
    cli: Cli, index: FakeIndex, standard_conda_channel: Path, tmp_path: Path, update_golden: bool
) -> None:
    project = tmp_path / "conda-env"
    shutil.copytree(EXAMPLE, project)
    spec = project / "reproenv.toml"
    spec.write_text(spec.read_text() + INDEX_TABLE)
    mirror = tmp_path / "mirror"
    shutil.copytree(standard_conda_channel, mirror / "conda-forge")
    with ChannelServer(mirror) as server:
        env = {"REPROENV_CONDA_MIRROR": server.address, "REPROENV_TEST_INDEX": index.url}
        result = cli("lock", cwd=project, env=env)
    assert result.code == 0, result.output
    assert "locked 8 conda packages" in result.stderr, result.stderr
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(project, GOLDEN, ignore=shutil.ignore_patterns("train.py"))
    for name in ("reproenv.toml", "environment.yml", "reproenv.lock", "requirements.lock"):
        assert _stable(project / name) == _stable(GOLDEN / name), name


def _stable(path: Path) -> str:
    """The file without what changes from run to run: the fake index's port, which the lock
    records (and its content hash with it)."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", path.read_text())
    return re.sub(r'(?m)^content-hash = ".*"$', "content-hash = ...", text)
