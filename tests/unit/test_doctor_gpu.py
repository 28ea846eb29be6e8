"""doctor's GPU line against the project's lock, with host reports as fakes."""

from __future__ import annotations

import shutil
from pathlib import Path

from reproenv.cli.doctor_checks import gpu_check
from reproenv.host.report import Gpu, HostGpuReport

GOLDEN_TORCH = Path(__file__).parents[1] / "golden" / "torch-gpu" / "input"


def host(driver: str, cc: tuple[int, int] = (9, 0)) -> HostGpuReport:
    return HostGpuReport("nvml", (Gpu(0, "GPU", cc, None, None),), driver, None, True, ())


def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOLDEN_TORCH, tmp_path / "p"))


def test_h100_with_driver_580_runs_the_locked_cuda(tmp_path: Path) -> None:
    check = gpu_check(host("580.159.04"), project(tmp_path))
    assert check.ok, check.detail
    assert "sm_90" in check.detail


def test_a_driver_too_old_for_the_lock_fails_with_a_fix(tmp_path: Path) -> None:
    check = gpu_check(host("535.183.01"), project(tmp_path))
    assert not check.ok
    assert "the lock needs CUDA 13.0" in check.detail
    assert "driver" in check.fix


def test_no_gpu_is_fine(tmp_path: Path) -> None:
    check = gpu_check(HostGpuReport("none", (), None, None, None, ()), project(tmp_path))
    assert check.ok and check.detail == "no NVIDIA GPU or driver on this host"
