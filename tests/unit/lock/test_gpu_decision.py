"""The CUDA decision as it lands in the lock, with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.host.report import Gpu, HostGpuReport
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
    cpu = (LockedPipPackage(name="torch", version="2.11.0+cpu", platforms=("linux/amd64",)),)
    assert decide_gpu(spec_with(tmp_path, 'gpu = "none"\n'), cpu).need == "none"
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


# --- packages without bundled CUDA, or CUDA code to compile: an nvidia/cuda base -------------

CUPY = (LockedPipPackage(name="cupy-cuda12x", version="13.4.1", platforms=("linux/amd64",)),)


def test_cupy_without_nvidia_wheels_gets_a_cuda_runtime_base(tmp_path: Path) -> None:
    gpu = decide_gpu(spec_with(tmp_path, 'python = "3.12"\n'), CUPY, probe=lambda: H100)
    assert gpu.need == "cuda" and not gpu.bundled
    assert gpu.base_image == "nvidia/cuda:12.9.1-runtime-ubuntu24.04"
    assert gpu.cuda == "12.9"
    assert "the CUDA libraries are not bundled as wheels" in gpu.reason
    assert "driver 580.159.04 runs CUDA 12.9.1 natively" in gpu.reason
    assert not gpu.warnings


def test_cupy_with_a_python_no_cuda_image_has_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, 'python = "3.11"\n'), CUPY, probe=lambda: H100)
    assert caught.value.reference == "cuda-base-python-unavailable"


def test_the_specs_cuda_picks_the_minor_and_must_match_the_major(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, 'python = "3.10"\ncuda = "12.4"\n')
    assert decide_gpu(spec, CUPY, probe=lambda: H100).base_image == (
        "nvidia/cuda:12.4.1-runtime-ubuntu22.04"
    )
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, 'python = "3.10"\ncuda = "11.8"\n'), CUPY)
    assert caught.value.reference == "cuda-conflict"
    assert caught.value.context["key"] == "cuda"


def test_an_explicit_base_is_kept_with_a_warning(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, 'python = "3.11"\n[image]\nbase = "registry.example/cuda-py:12"\n')
    gpu = decide_gpu(spec, CUPY, probe=lambda: H100)
    assert gpu.base_image is None
    assert any("registry.example/cuda-py:12" in w and "runtime" in w for w in gpu.warnings)


def test_a_cuda_extension_gets_the_devel_image_of_torchs_cuda(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from torch.utils.cpp_extension import CUDAExtension\next = CUDAExtension('k', ['k.cu'])\n"
    )
    gpu = decide_gpu(spec_with(tmp_path, 'python = "3.12"\n'), TORCH_211, probe=lambda: H100)
    assert gpu.bundled and gpu.cuda == "13.0"
    assert gpu.base_image == "nvidia/cuda:13.0.2-devel-ubuntu24.04"
    assert "setup.py compiles CUDA code, which needs nvcc" in gpu.reason


def test_a_torch_newer_than_the_data_is_checked_by_its_bundled_cuda(tmp_path: Path) -> None:
    newer = (
        LockedPipPackage(name="torch", version="2.16.0", platforms=("linux/amd64",)),
        LockedPipPackage(name="nvidia-cuda-runtime", version="13.0.96", platforms=("linux/amd64",)),
    )
    gpu = decide_gpu(spec_with(tmp_path, ""), newer, probe=lambda: H100)
    assert gpu.need == "cuda" and gpu.cuda == "13.0" and gpu.bundled
    assert "driver 580.159.04 runs CUDA 13.0 natively" in gpu.reason
    assert any("torch 2.16.0 is not in reproenv's CUDA data" in w for w in gpu.warnings)
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, 'gpu-driver = "535.183.01"\n'), newer)
    assert caught.value.reference == "cuda-driver-too-old"
    assert "CUDA 13.0 needs driver ≥ 580.65.06" in caught.value.message


def test_jax_local_cuda_gets_a_cudnn_runtime_base(tmp_path: Path) -> None:
    jax_local = tuple(
        LockedPipPackage(name=name, version="0.6.2", platforms=("linux/amd64",))
        for name in ("jax", "jaxlib", "jax-cuda12-plugin", "jax-cuda12-pjrt")
    )
    gpu = decide_gpu(spec_with(tmp_path, 'python = "3.12"\n'), jax_local, probe=lambda: H100)
    assert gpu.base_image == "nvidia/cuda:12.9.1-cudnn-runtime-ubuntu24.04"
    assert "cuDNN 9" in gpu.reason


@pytest.mark.parametrize(
    ("pins", "build"),
    [
        ((("jax", "0.11.2"), ("jax-cuda13-plugin", "0.11.2"),
          ("nvidia-cuda-runtime", "13.0.96")), "jax[cuda12]"),
        ((("tensorflow", "2.20.0"), ("nvidia-cuda-runtime-cu12", "12.5.82")),
         "tensorflow[and-cuda]==2.14.*"),
    ],
)  # fmt: skip
def test_a_driver_too_old_for_the_framework_names_the_build_it_runs(
    tmp_path: Path, pins: tuple[tuple[str, str], ...], build: str
) -> None:
    packages = tuple(
        LockedPipPackage(name=n, version=v, platforms=("linux/amd64",)) for n, v in pins
    )
    driver = "535.183.01" if build.startswith("jax") else "470.256.02"
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, f'gpu-driver = "{driver}"\n'), packages)
    assert caught.value.reference == "cuda-driver-too-old"
    assert f"or lock builds it runs: {build}" in caught.value.hint


def test_this_hosts_gpu_architecture_is_checked_against_the_torch_build(tmp_path: Path) -> None:
    """An RTX 5090 (sm_120) host and torch 2.6, whose builds ship no sm_120 kernels before 2.7."""
    rtx5090 = HostGpuReport(
        source="nvml",
        gpus=(Gpu(0, "NVIDIA GeForce RTX 5090", (12, 0), 34190917632, None),),
        driver_version="575.51.03",
        max_cuda=(12, 9),
        docker_nvidia_runtime=None,
        notes=(),
    )
    torch_26 = (
        LockedPipPackage(name="torch", version="2.6.0", platforms=("linux/amd64",)),
        LockedPipPackage(name="nvidia-cuda-runtime-cu12", version="12.4.127",
                         platforms=("linux/amd64",)),
    )  # fmt: skip
    gpu = decide_gpu(spec_with(tmp_path, ""), torch_26, probe=lambda: rtx5090)
    assert any("sm_120" in w and "torch ≥ 2.7" in w for w in gpu.warnings), gpu.warnings
    # a declared driver is another machine's: this host's GPU says nothing about it
    declared = decide_gpu(spec_with(tmp_path, 'gpu-driver = "575.51.03"\n'), torch_26)
    assert not any("sm_120" in w for w in declared.warnings)


def test_through_minor_version_compatibility_the_container_requires_only_the_major(
    tmp_path: Path,
) -> None:
    """Driver 535 reports CUDA 12.2: `cuda>=12.5` would make the container toolkit refuse it."""
    gpu = decide_gpu(spec_with(tmp_path, 'python = "3.12"\ngpu-driver = "535.183.01"\n'), CUPY)
    assert gpu.base_image == "nvidia/cuda:12.5.1-runtime-ubuntu24.04"
    assert gpu.cuda == "12.5" and gpu.require_cuda == "12.0"
    jax = (
        LockedPipPackage(name="jax-cuda12-plugin", version="0.6.2", platforms=("linux/amd64",)),
        LockedPipPackage(name="nvidia-cuda-runtime-cu12", version="12.9.79",
                         platforms=("linux/amd64",)),
    )  # fmt: skip
    assert (
        decide_gpu(spec_with(tmp_path, 'gpu-driver = "535.183.01"\n'), jax).require_cuda == "12.0"
    )
    native = decide_gpu(spec_with(tmp_path, 'gpu-driver = "580.95.05"\n'), jax)
    assert native.require_cuda is None


def test_a_cuda_extension_without_a_devel_image_for_the_python_is_a_warning(
    tmp_path: Path,
) -> None:
    """The wheels bring CUDA; only nvcc is missing, and no 13.0 devel image has Python 3.11."""
    (tmp_path / "setup.py").write_text("from torch.utils.cpp_extension import CUDAExtension\n")
    gpu = decide_gpu(spec_with(tmp_path, 'python = "3.11"\n'), TORCH_211, probe=lambda: H100)
    assert gpu.need == "cuda" and gpu.base_image is None
    assert any("need nvcc, but no nvidia/cuda -devel image fits" in w for w in gpu.warnings)


@pytest.mark.parametrize(
    ("pins", "driver", "hint", "absent"),
    [
        ((("cudf-cu12", "25.2.0"), ("rmm-cu12", "25.2.0")), "470.82.01",
         "cudf-cu11, rmm-cu11", "cu12-cu11"),
        ((("jax-cuda12-plugin", "0.6.2"), ("nvidia-cuda-runtime-cu12", "12.9.79")), "470.82.01",
         "upgrade the driver on the target to ≥ 575.51.03", "jax[cuda11]"),
    ],
)  # fmt: skip
def test_the_too_old_hint_names_only_builds_that_exist(
    tmp_path: Path, pins: tuple[tuple[str, str], ...], driver: str, hint: str, absent: str
) -> None:
    packages = tuple(
        LockedPipPackage(name=n, version=v, platforms=("linux/amd64",)) for n, v in pins
    )
    spec = spec_with(tmp_path, f'gpu-driver = "{driver}"\n[image]\nbase = "x/cuda-py:1"\n')
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec, packages)
    assert hint in caught.value.hint
    assert absent not in caught.value.hint


# --- gpu = "none" and cuda = "X.Y" do what they say -------------------------------------------


def test_gpu_none_asks_for_torchs_cpu_build(tmp_path: Path) -> None:
    """PyPI's default Linux torch pulls nvidia-* wheels: gpu = "none" re-resolves it (and
    torchvision, built per variant) from PyTorch's cpu index."""
    packages = (
        *TORCH_211,
        LockedPipPackage(name="torchvision", version="0.26.0", platforms=("linux/amd64",)),
    )
    with pytest.raises(VariantNeeded) as caught:
        decide_gpu(spec_with(tmp_path, 'gpu = "none"\n'), packages)
    needed = caught.value
    assert (needed.variant, needed.packages) == ("cpu", ("torch", "torchvision"))
    assert needed.index_url({}) == "https://download.pytorch.org/whl/cpu"
    assert needed.index_url({"REPROENV_TORCH_INDEX": "https://m/{variant}"}) == "https://m/cpu"
    assert "could not be locked" in needed.as_error().message
    # a +cuXYZ build carries its CUDA inside: a CUDA build all the same
    cu118 = (LockedPipPackage(name="torch", version="2.4.1+cu118", platforms=("linux/amd64",)),)
    with pytest.raises(VariantNeeded):
        decide_gpu(spec_with(tmp_path, 'gpu = "none"\n'), cu118)


def test_gpu_none_keeps_a_torch_that_pulls_no_cuda(tmp_path: Path) -> None:
    plain = (LockedPipPackage(name="torch", version="2.11.0", platforms=("macos/arm64",)),)
    gpu = decide_gpu(spec_with(tmp_path, 'gpu = "none"\n'), plain)
    assert gpu.need == "none" and "torch 2.11.0 is a CPU build" in gpu.reason


@pytest.mark.parametrize(
    ("name", "version"),
    [("cupy-cuda12x", "13.4.1"), ("jax-cuda12-plugin", "0.6.2")],
)
def test_gpu_none_refuses_cuda_only_packages(tmp_path: Path, name: str, version: str) -> None:
    packages = (LockedPipPackage(name=name, version=version, platforms=("linux/amd64",)),)
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, 'gpu = "none"\n'), packages)
    assert caught.value.reference == "gpu-none-cuda-package"
    assert caught.value.context["key"] == "gpu"
    assert "is a CUDA build" in caught.value.message


def test_gpu_none_with_a_cuda_is_a_contradiction(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, 'gpu = "none"\ncuda = "12.6"\n'), ())
    assert caught.value.reference == "gpu-cuda-conflict"
    assert caught.value.context["key"] == "cuda"


TORCH_2150 = (
    LockedPipPackage(name="torch", version="2.15.0", platforms=("linux/amd64",)),
    LockedPipPackage(name="nvidia-cuda-runtime", version="13.2.86", platforms=("linux/amd64",)),
)


def test_cuda_12_6_asks_for_the_cu126_build_of_a_torch_that_has_one(tmp_path: Path) -> None:
    torch_2140 = (
        LockedPipPackage(name="torch", version="2.14.0", platforms=("linux/amd64",)),
        LockedPipPackage(name="nvidia-cuda-runtime", version="13.0.96", platforms=("linux/amd64",)),
    )
    with pytest.raises(VariantNeeded) as caught:
        decide_gpu(spec_with(tmp_path, 'cuda = "12.6"\n'), torch_2140)
    assert caught.value.variant == "cu126"
    assert caught.value.index_url({}) == "https://download.pytorch.org/whl/cu126"
    with pytest.raises(ReproenvError) as refused:  # 2.15 has no CUDA 12 build in the data
        decide_gpu(spec_with(tmp_path, 'cuda = "12.6"\n'), TORCH_2150)
    assert refused.value.reference == "torch-cuda-variant-unavailable"
    assert "torch 2.15 publishes no CUDA 12.6 build" in refused.value.message


def test_torch_2_15_is_in_the_data_with_cuda_13_2(tmp_path: Path) -> None:
    gpu = decide_gpu(spec_with(tmp_path, 'gpu-driver = "595.45.04"\n'), TORCH_2150)
    assert gpu.cuda == "13.2" and not gpu.warnings
    assert "torch 2.15's default PyPI wheel (CUDA 13.2)" in gpu.reason
    assert "driver 595.45.04 runs CUDA 13.2 natively" in gpu.reason


def test_cuda_for_a_torch_newer_than_the_data_asks_its_index(tmp_path: Path) -> None:
    newer = (
        LockedPipPackage(name="torch", version="2.16.0", platforms=("linux/amd64",)),
        LockedPipPackage(name="nvidia-cuda-runtime", version="13.2.86", platforms=("linux/amd64",)),
    )
    with pytest.raises(VariantNeeded) as caught:
        decide_gpu(spec_with(tmp_path, 'cuda = "13.0"\n'), newer)
    assert caught.value.variant == "cu130"
    assert "only its index can tell" in caught.value.reason
    # the build the index gave is the one asked for: decided, with the data warning
    cu130 = (LockedPipPackage(name="torch", version="2.16.0+cu130", platforms=("linux/amd64",)),)
    gpu = decide_gpu(spec_with(tmp_path, 'cuda = "13.0"\n'), cu130)
    assert gpu.cuda == "13.0"
    assert any("not in reproenv's CUDA data" in w for w in gpu.warnings)


def test_a_driver_too_old_for_a_torch_newer_than_the_data(tmp_path: Path) -> None:
    newer = (
        LockedPipPackage(name="torch", version="2.16.0", platforms=("linux/amd64",)),
        LockedPipPackage(name="nvidia-cuda-runtime", version="13.2.86", platforms=("linux/amd64",)),
    )
    with pytest.raises(ReproenvError) as caught:
        decide_gpu(spec_with(tmp_path, 'gpu-driver = "535.183.01"\n'), newer)
    error = caught.value
    assert error.reference == "cuda-driver-too-old"
    assert error.message.startswith(
        "torch 2.16.0 bundles CUDA 13.2, which needs driver ≥ 595.45.04, or ≥ 580.65.06 through "
        "CUDA 13.x minor-version compatibility"
    )
    assert error.hint.startswith('set cuda = "12.6" and pin torch<2.15')
    assert error.hint.endswith("or upgrade the driver to ≥ 595.45.04")
