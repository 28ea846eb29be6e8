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


# --- gpu = "none" and cuda = "X.Y": the spec's words pick the build ---------------------------

# torch 2.15.0's default Linux wheel on PyPI pulls CUDA 13.2 as nvidia-* wheels (gigabytes);
# 2.14.0's pulls CUDA 13.0. The fakes carry a few of those pins, as PyPI's metadata has them.
TORCH_215_CUDA = ["nvidia-cuda-runtime==13.2.86", "nvidia-cublas==13.4.1.3", "triton==3.9.0"]


@pytest.fixture(scope="module")
def pytorch() -> Iterator[dict[str, FakeIndex]]:
    """PyPI with torch's default (CUDA) wheels, and PyTorch's cpu and cu126 indexes."""
    default = FakeIndex(
        [
            FakePackage("torch", "2.15.0", requires=TORCH_215_CUDA),
            FakePackage("torch", "2.14.0", requires=["nvidia-cuda-runtime==13.0.96"]),
            FakePackage("torchvision", "0.30.0", requires=["torch==2.15.0"]),
            FakePackage("nvidia-cuda-runtime", "13.2.86"),
            FakePackage("nvidia-cuda-runtime", "13.0.96"),
            FakePackage("nvidia-cublas", "13.4.1.3"),
            FakePackage("triton", "3.9.0"),
            FakePackage("cupy-cuda12x", "13.4.1"),
        ]
    )
    cpu = FakeIndex(
        [
            FakePackage("torch", "2.15.0+cpu"),
            FakePackage("torch", "2.14.0+cpu"),
            FakePackage("torchvision", "0.30.0+cpu", requires=["torch==2.15.0"]),
        ]
    )
    cu126 = FakeIndex(
        [
            FakePackage("torch", "2.14.0+cu126", requires=["nvidia-cuda-runtime-cu12==12.6.77"]),
            FakePackage("nvidia-cuda-runtime-cu12", "12.6.77"),
        ]
    )
    with default.serve(), cpu.serve(), cu126.serve():
        yield {"default": default, "cpu": cpu, "cu126": cu126}


def torch_project(tmp_path: Path, requirements: str, spec: str) -> Path:
    (tmp_path / "requirements.in").write_text("--index-url ${REPROENV_TEST_INDEX}\n" + requirements)
    (tmp_path / "reproenv.toml").write_text(
        f'name = "torch-project"\n{spec}[pip]\nrequirements = ["requirements.in"]\n'
    )
    return tmp_path


def test_gpu_none_locks_torchs_cpu_build_without_cuda_wheels(
    cli: Cli, pytorch: dict[str, FakeIndex], tmp_path: Path
) -> None:
    env = {
        "REPROENV_TEST_INDEX": pytorch["default"].url,
        "REPROENV_TORCH_INDEX": pytorch["cpu"].url,
    }
    project = torch_project(tmp_path, "torch==2.15.0\ntorchvision\n", 'gpu = "none"\n')
    result = cli("lock", "--explain-gpu", cwd=project, env=env)
    assert result.code == 0, result.output
    lock = (project / "reproenv.lock").read_text()
    assert re.search(r'name = "torch"\nversion = "2\.15\.0\+cpu"', lock)
    assert re.search(r'name = "torchvision"\nversion = "0\.30\.0\+cpu"', lock)
    assert "nvidia-" not in lock and '"triton"' not in lock
    assert "gpu: none" in result.stdout
    requirements = (project / "requirements.lock").read_text()
    assert f"--extra-index-url {pytorch['cpu'].url}\n" in requirements
    assert "torch==2.15.0+cpu \\\n" in requirements
    assert "nvidia-" not in requirements
    # a relock keeps the CPU build
    (project / "requirements.in").write_text(
        (project / "requirements.in").read_text() + "# CPU only\n"
    )
    relocked = cli("lock", cwd=project, env=env)
    assert relocked.code == 0, relocked.output
    assert "2.15.0+cpu" in (project / "reproenv.lock").read_text()


def test_gpu_none_with_an_index_that_lacks_the_cpu_build_is_explained(
    cli: Cli, pytorch: dict[str, FakeIndex], tmp_path: Path
) -> None:
    url = pytorch["default"].url
    env = {"REPROENV_TEST_INDEX": url, "REPROENV_TORCH_INDEX": url}
    result = cli("lock", cwd=torch_project(tmp_path, "torch==2.15.0\n", 'gpu = "none"\n'), env=env)
    assert result.code == 2, result.output
    assert "the cpu build from" in result.stderr and "could not be locked" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "reproenv.lock").exists()


def test_gpu_none_refuses_a_cuda_only_package(
    cli: Cli, pytorch: dict[str, FakeIndex], tmp_path: Path
) -> None:
    env = {"REPROENV_TEST_INDEX": pytorch["default"].url}
    result = cli("lock", cwd=torch_project(tmp_path, "cupy-cuda12x\n", 'gpu = "none"\n'), env=env)
    assert result.code == 2, result.output
    assert 'gpu = "none", but cupy-cuda12x 13.4.1 is a CUDA build' in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "reproenv.lock").exists()


def test_cuda_12_6_locks_torchs_cu126_build(
    cli: Cli, pytorch: dict[str, FakeIndex], tmp_path: Path
) -> None:
    env = {
        "REPROENV_TEST_INDEX": pytorch["default"].url,
        "REPROENV_TORCH_INDEX": pytorch["cu126"].url,
    }
    spec = 'cuda = "12.6"\ngpu-driver = "580.95.05"\n'
    result = cli(
        "lock", "--explain-gpu", cwd=torch_project(tmp_path, "torch==2.14.0\n", spec), env=env
    )
    assert result.code == 0, result.output
    lock = (tmp_path / "reproenv.lock").read_text()
    assert re.search(r'name = "torch"\nversion = "2\.14\.0\+cu126"', lock)
    assert 'name = "nvidia-cuda-runtime-cu12"' in lock
    assert 'name = "nvidia-cuda-runtime"\n' not in lock
    assert "gpu: cuda (CUDA 12.6)" in result.stdout
    assert "CUDA 12.6 was asked for" in result.stdout


def test_cuda_12_6_for_a_torch_without_that_build_exits_2_saying_why(
    cli: Cli, pytorch: dict[str, FakeIndex], tmp_path: Path
) -> None:
    env = {
        "REPROENV_TEST_INDEX": pytorch["default"].url,
        "REPROENV_TORCH_INDEX": pytorch["cu126"].url,
    }
    project = torch_project(tmp_path, "torch==2.15.0\n", 'cuda = "12.6"\n')
    result = cli("lock", cwd=project, env=env)
    assert result.code == 2, result.output
    assert "torch 2.15 publishes no CUDA 12.6 build: its variants are cu130, cu132" in result.stderr
    assert "2.14 publish it" in result.stderr
    assert "Traceback" not in result.output
    assert not (project / "reproenv.lock").exists()


def test_cuda_12_6_when_the_index_has_no_such_build_exits_2(
    cli: Cli, pytorch: dict[str, FakeIndex], tmp_path: Path
) -> None:
    url = pytorch["default"].url
    env = {"REPROENV_TEST_INDEX": url, "REPROENV_TORCH_INDEX": url}
    project = torch_project(tmp_path, "torch==2.14.0\n", 'cuda = "12.6"\n')
    result = cli("lock", cwd=project, env=env)
    assert result.code == 2, result.output
    assert "the cu126 build from" in result.stderr and "could not be locked" in result.stderr
    assert "CUDA 12.6 was asked for" in result.stderr
    assert not (project / "reproenv.lock").exists()


def test_a_driver_too_old_for_torch_2_15_says_what_to_set(
    cli: Cli, pytorch: dict[str, FakeIndex], tmp_path: Path
) -> None:
    env = {"REPROENV_TEST_INDEX": pytorch["default"].url}
    project = torch_project(tmp_path, "torch==2.15.0\n", 'gpu-driver = "535.183.01"\n')
    result = cli("lock", cwd=project, env=env)
    assert result.code == 2, result.output
    assert "torch 2.15.0 bundles CUDA 13.2, which needs driver ≥ 595.45.04" in result.stderr
    assert 'set cuda = "12.6" and pin torch<2.15' in result.stderr
    assert "not in reproenv's driver table" not in result.stderr
    assert "Traceback" not in result.output
    assert not (project / "reproenv.lock").exists()
