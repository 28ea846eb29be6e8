"""The GPU decision of a conda project: the CUDA its records (or, before a lock, its
environment file's specs) carry, the package that set it, and the target driver's verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.detect.conda import cuda_from_entries, cuda_from_records
from reproenv.errors import ReproenvError
from reproenv.host.report import HostGpuReport
from reproenv.lock.gpu import decide_gpu
from reproenv.lock.model import LockedCondaPackage, LockedPipPackage
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec

ENVIRONMENT = """\
channels: [pytorch, nvidia]
dependencies:
  - python=3.9
  - pytorch=1.9.1
  - cudatoolkit=11.1
"""
NO_GPU = HostGpuReport("none", (), None, None, None, ())


def _record(name: str, version: str, build: str = "h0_0") -> LockedCondaPackage:
    return LockedCondaPackage(
        name=name,
        version=version,
        build=build,
        subdir="linux-64",
        channel="https://conda.example/pytorch",
        url=f"https://conda.example/pytorch/linux-64/{name}-{version}-{build}.tar.bz2",
        sha256="0" * 64,
        md5="0" * 32,
        platforms=("linux/amd64",),
    )


STYLEGAN = (
    _record("python", "3.9.7"),
    _record("pytorch", "1.9.1", "py3.9_cuda11.1_cudnn8.0.5_0"),
    _record("cudatoolkit", "11.1.74", "h6bb024c_0"),
)


def _spec(tmp_path: Path, spec: str = "", environment: str = ENVIRONMENT) -> Spec:
    (tmp_path / "environment.yml").write_text(environment)
    (tmp_path / "reproenv.toml").write_text(
        f'python = "3.9"\n{spec}[conda]\nenvironment = ["environment.yml"]\n'
    )
    return load_spec(tmp_path, env={})


def test_the_locked_records_decide_and_name_the_package(tmp_path: Path) -> None:
    spec = _spec(tmp_path, 'gpu-driver = "470.57.02"\n')
    gpu = decide_gpu(spec, (), conda=STYLEGAN)
    assert (gpu.need, gpu.cuda, gpu.driver, gpu.bundled) == ("cuda", "11.1", "470.57.02", True)
    assert gpu.frameworks == ("pytorch 1.9.1",)
    assert gpu.require_cuda is None and gpu.base_image is None
    assert "cudatoolkit 11.1.74, locked for environment.yml:5" in gpu.reason
    assert "gpu-driver = 470.57.02" in gpu.reason


def test_before_a_lock_the_environment_specs_decide(tmp_path: Path) -> None:
    gpu = decide_gpu(_spec(tmp_path, 'gpu-driver = "470.57.02"\n'), ())
    assert (gpu.need, gpu.cuda) == ("cuda", "11.1")
    assert "cudatoolkit 11.1 in environment.yml:5" in gpu.reason


def test_a_driver_too_old_is_the_pip_paths_error(tmp_path: Path) -> None:
    spec = _spec(tmp_path, 'gpu-driver = "418.67"\n')
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec, (), conda=STYLEGAN)
    assert caught.value.reference == "cuda-driver-too-old"
    assert "CUDA 11.1 (cudatoolkit 11.1.74" in caught.value.message


def test_minor_version_compatibility_is_recorded(tmp_path: Path) -> None:
    spec = _spec(tmp_path, 'gpu-driver = "450.80.02"\n')
    records = (_record("cudatoolkit", "11.4.2"),)
    gpu = decide_gpu(spec, (), conda=records)
    assert (gpu.cuda, gpu.require_cuda) == ("11.4", "11.0")


def test_no_driver_known_is_a_warning(tmp_path: Path) -> None:
    gpu = decide_gpu(_spec(tmp_path), (), probe=lambda: NO_GPU, conda=STYLEGAN)
    assert gpu.need == "cuda" and gpu.driver is None
    assert any("not checked against a driver" in w for w in gpu.warnings)


def test_gpu_none_refuses_a_cuda_environment(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(_spec(tmp_path, 'gpu = "none"\n'), (), conda=STYLEGAN)
    assert caught.value.reference == "gpu-none-cuda-package"
    cpu = (_record("pytorch", "2.3.0", "cpu_py39h0"),)
    decided = decide_gpu(_spec(tmp_path, 'gpu = "none"\n'), (), conda=cpu)
    assert decided.need == "none"


def test_a_cpu_build_is_no_cuda_need(tmp_path: Path) -> None:
    cpu = (_record("pytorch", "2.3.0", "cpu_py39h0"),)
    gpu = decide_gpu(_spec(tmp_path), (), probe=lambda: NO_GPU, conda=cpu)
    assert gpu.need == "none" and "pytorch 2.3.0 (cpu_py39h0)" in gpu.reason


def test_pip_cuda_and_conda_cuda_are_both_checked(tmp_path: Path) -> None:
    cupy = (LockedPipPackage(name="cupy-cuda12x", version="13.4.1", platforms=("linux/amd64",)),)
    spec = _spec(tmp_path, 'gpu-driver = "470.57.02"\n[image]\nbase = "lab/cuda:12"\n')
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec, cupy, conda=(_record("cuda-version", "12.4"),))
    assert caught.value.reference == "cuda-driver-too-old"
    spec = _spec(tmp_path, 'gpu-driver = "570.86.10"\n[image]\nbase = "lab/cuda:12"\n')
    gpu = decide_gpu(spec, cupy, conda=(_record("cuda-version", "12.4"),))
    assert gpu.cuda == "12.0"  # the pip packages' decision, the conda CUDA checked beside it
    assert "the conda environment carries CUDA 12.4: cuda-version 12.4 (locked)" in gpu.reason


def test_a_cuda_package_decides_over_a_build_string() -> None:
    need = cuda_from_records(
        [("pytorch", "2.3.0", "cuda120_py311h0"), ("cuda-version", "12.4", "h0"), ("x", "1", "")]
    )
    assert (need.cuda, need.source, need.frameworks) == (
        (12, 4),
        "cuda-version 12.4 (locked)",
        ("pytorch 2.3.0",),
    )
    built = cuda_from_records([("jaxlib", "0.4.30", "cuda118py311h0")])
    assert (built.cuda, built.frameworks) == ((11, 8), ("jaxlib 0.4.30",))
    specs = cuda_from_entries(
        [("pytorch-cuda=12.1", "environment.yml:4"), ("nvidia/label/cuda-12.4.0::cuda", "e:5")]
    )
    assert (specs.cuda, specs.source) == ((12, 1), "pytorch-cuda 12.1 in environment.yml:4")
