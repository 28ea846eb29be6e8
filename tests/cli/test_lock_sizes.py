"""The lock keeps each file's size as the index states it (PEP 700): the image's dependency
layers are grouped by weight. An index that does not state it leaves the size out."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.lock.model import read_lock
from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex, FakePackage


@pytest.mark.parametrize("json_api", [True, False])
def test_the_lock_records_file_sizes_the_index_states(
    cli: Cli, tmp_path: Path, json_api: bool
) -> None:
    with FakeIndex([FakePackage("lib", "1.0")], json_api=json_api).serve() as index:
        (tmp_path / "reproenv.toml").write_text(
            'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'
        )
        (tmp_path / "requirements.in").write_text(f"--index-url {index.url}\nlib\n")
        result = cli("lock", cwd=tmp_path)
        assert result.code == 0, result.output
        served = {name: path.stat().st_size for name, path in index.files.items()}
    lock = read_lock(tmp_path / "reproenv.lock")
    assert lock is not None
    (package,) = lock.pip_packages
    assert package.wheels
    for wheel in package.wheels:
        assert wheel.size == (served[wheel.name] if json_api else None)
    text = (tmp_path / "reproenv.lock").read_text()
    assert ("size = " in text) is json_api
