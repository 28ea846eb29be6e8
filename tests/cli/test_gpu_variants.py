"""The matching torch build lands in the lock: a driver that cannot run the default wheel gets
the newest variant it runs, re-resolved from that variant's index (a fake of PyTorch's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex, FakePackage


@pytest.fixture(scope="module")
def indexes() -> Iterator[tuple[FakeIndex, FakeIndex]]:
    default = FakeIndex(
        [
            FakePackage("torch", "2.4.1", requires=["nvidia-cuda-runtime-cu12==12.1.105"]),
            FakePackage("nvidia-cuda-runtime-cu12", "12.1.105"),
        ]
    )
    cu118 = FakeIndex(
        [
            FakePackage("torch", "2.4.1+cu118", requires=["nvidia-cuda-runtime-cu11==11.8.89"]),
            FakePackage("nvidia-cuda-runtime-cu11", "11.8.89"),
        ]
    )
    with default.serve(), cu118.serve():
        yield default, cu118


def project(tmp_path: Path, driver: str) -> Path:
    (tmp_path / "requirements.in").write_text("--index-url ${REPROENV_TEST_INDEX}\ntorch==2.4.1\n")
    (tmp_path / "reproenv.toml").write_text(
        f'name = "old-cluster"\ngpu = "cuda"\ngpu-driver = "{driver}"\n'
        '[pip]\nrequirements = ["requirements.in"]\n'
    )
    return tmp_path


def test_driver_470_gets_the_cu118_build_in_the_lock(
    cli: Cli, indexes: tuple[FakeIndex, FakeIndex], tmp_path: Path
) -> None:
    default, cu118 = indexes
    env = {"REPROENV_TEST_INDEX": default.url, "REPROENV_TORCH_INDEX": cu118.url}
    result = cli("lock", "--explain-gpu", cwd=project(tmp_path, "470.256.02"), env=env)
    assert result.code == 0, result.output
    lock = (tmp_path / "reproenv.lock").read_text()
    assert re.search(r'name = "torch"\nversion = "2\.4\.1\+cu118"', lock)
    assert 'name = "nvidia-cuda-runtime-cu12"' not in lock
    assert "gpu: cuda (CUDA 11.8)" in result.stdout
    assert "minor-version compatibility" in result.stdout
    requirements = (tmp_path / "requirements.lock").read_text()
    assert f"--extra-index-url {cu118.url}\n" in requirements
    assert "torch==2.4.1+cu118 \\\n" in requirements
    # a relock keeps it (the default index alone would not have the build)
    (tmp_path / "requirements.in").write_text(
        (tmp_path / "requirements.in").read_text() + "# pinned for the 470 cluster\n"
    )
    assert cli("lock", cwd=tmp_path, env=env).code == 0
    assert "2.4.1+cu118" in (tmp_path / "reproenv.lock").read_text()


def test_a_variant_the_index_lacks_is_explained(
    cli: Cli, indexes: tuple[FakeIndex, FakeIndex], tmp_path: Path
) -> None:
    default, _ = indexes
    env = {"REPROENV_TEST_INDEX": default.url, "REPROENV_TORCH_INDEX": default.url}
    result = cli("lock", cwd=project(tmp_path, "470.256.02"), env=env)
    assert result.code == 2, result.output
    assert "cu118" in result.stderr and "could not be locked" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "reproenv.lock").exists()
