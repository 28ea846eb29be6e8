"""The CUDA decision as it lands in the lock, with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.detect.gpu_host import Gpu, HostGpuReport
from reproenv.errors import ReproenvError
from reproenv.lock.gpu import VariantNeeded, decide_gpu
from reproenv.lock.model import LockedPipPackage
from reproenv.spec.load import load_spec

TORCH_211 = (
    LockedPipPackage(name="torch", version="2.11.0", platforms=("linux/amd64",)),
    LockedPipPackage(name="nvidia-cuda-runtime", version="13.0.96", platforms=("linux/amd64",)),
)
H100 = HostGpuReport(
    source="nvml",
    gpus=(Gpu(0, "NVIDIA H100 80GB HBM3", (9, 0), 85520809984, None),),
    driver_version="580.159.04",
    max_cuda=(13, 0),
    docker_nvidia_runtime=None,
    notes=(),
)


def spec_with(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "reproenv.toml").write_text(text)
    return load_spec(tmp_path, env={})


def test_default_torch_wheel_on_the_h100_hosts_driver(tmp_path: Path) -> None:
    gpu = decide_gpu(spec_with(tmp_path, ""), TORCH_211, probe=lambda: H100)
    assert gpu.need == "cuda" and gpu.cuda == "13.0" and gpu.bundled
    assert gpu.driver == "580.159.04"
    assert "this host's driver 580.159.04" in gpu.reason
    assert "CUDA 13.0" in gpu.reason


def test_declared_old_driver_asks_for_the_variant_it_runs(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, 'gpu-driver = "535.183.01"\n')
    with pytest.raises(VariantNeeded) as caught:
        decide_gpu(spec, TORCH_211, probe=lambda: H100)
    assert caught.value.choice.variant == "cu128"
    assert caught.value.index_url({}) == "https://download.pytorch.org/whl/cu128"
    assert (
        caught.value.index_url({"REPROENV_TORCH_INDEX": "https://m/{variant}"}) == "https://m/cu128"
    )
    error = caught.value.as_error()
    assert "CUDA 13.0 needs driver ≥ 580" in error.message


def test_gpu_none_and_cpu_builds(tmp_path: Path) -> None:
    assert decide_gpu(spec_with(tmp_path, 'gpu = "none"\n'), TORCH_211).need == "none"
    cpu = (LockedPipPackage(name="torch", version="2.11.0+cpu", platforms=("linux/amd64",)),)
    decided = decide_gpu(spec_with(tmp_path, ""), cpu, probe=lambda: H100)
    assert decided.need == "none" and "2.11.0+cpu" in decided.reason
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, 'gpu = "cuda"\n'), cpu)
    assert caught.value.reference == "gpu-framework-missing"


def test_no_driver_known_is_a_warning_not_an_error(tmp_path: Path) -> None:
    no_gpu = HostGpuReport("none", (), None, None, None, ())
    gpu = decide_gpu(spec_with(tmp_path, ""), TORCH_211, probe=lambda: no_gpu)
    assert gpu.need == "cuda" and gpu.driver is None
    assert any("not checked against a driver" in w for w in gpu.warnings)
