"""Acceptance: GPU needs detected from the locked packages of fixture projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.detect.gpu import GpuNeed, detect_need

PROJECTS = Path(__file__).parents[2] / "fixtures" / "projects"


def need_of(name: str) -> GpuNeed:
    folder = PROJECTS / name
    pins = [line.split("==", 1) for line in (folder / "pins.txt").read_text().split()]
    return detect_need([(n, v) for n, v in pins], folder)


@pytest.mark.parametrize(
    ("project", "cuda", "bundled", "framework"),
    [
        ("torch-default", (13, 0), True, "torch 2.11.0"),
        ("torch-cu121", (12, 1), True, "torch 2.4.1+cu121"),
        ("tensorflow-and-cuda", (12, 5), True, "tensorflow 2.20.0"),
        ("jax-cuda12", (12, 9), True, "jax (jax-cuda12-plugin 0.6.2)"),
        ("cupy-cuda12x", (12, 0), False, "cupy-cuda12x 13.4.1"),
    ],
)
def test_gpu_frameworks_and_their_cuda(
    project: str, cuda: tuple[int, int], bundled: bool, framework: str
) -> None:
    need = need_of(project)
    assert need.needed
    assert need.cuda == cuda
    assert need.bundled is bundled
    assert framework in need.frameworks
    assert need.evidence


def test_cpu_only_torch_needs_no_gpu() -> None:
    need = need_of("torch-cpu")
    assert not need.needed
    assert need.cpu_only == ("torch 2.11.0+cpu",)
    assert need.hints == ("torch",)  # the import is a hint, not a decision


def test_no_gpu_framework() -> None:
    need = need_of("no-gpu")
    assert not need.needed and not need.cpu_only and not need.frameworks
    assert need.hints == ()


def test_import_hints_skip_environments_and_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("import jax\n")
    for folder in (".venv/lib/site-packages/torch", "venv/lib/tf", ".ipynb_checkpoints"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.py").write_text("import torch\nimport tensorflow\n")
    (tmp_path / "notebook.ipynb").write_text('{"cells": [{"source": ["import cupy\\n"]}]}')
    assert detect_need([], tmp_path).hints == ("cupy", "jax")


def test_cuda_extensions_in_the_project_are_found(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from torch.utils.cpp_extension import BuildExtension, CUDAExtension\n"
    )
    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "scan.cu").write_text("__global__ void scan() {}\n")
    (tmp_path / "train.py").write_text("import torch\n")
    need = detect_need([("torch", "2.11.0"), ("nvidia-cuda-runtime", "13.0.96")], tmp_path)
    assert need.compiles_cuda == ("kernels/scan.cu", "setup.py")


def test_jax_local_cuda_needs_cuda_and_cudnn_from_the_image() -> None:
    need = need_of("jax-cuda12-local")
    assert need.cuda == (12, 0) and not need.bundled
    assert need.cudnn == 9
    assert any("jax[cuda12-local]" in e for e in need.evidence)
    assert need_of("jax-cuda12").cudnn is None  # nvidia-* wheels bring cuDNN


def test_a_mention_of_nvcc_is_no_cuda_build(tmp_path: Path) -> None:
    (tmp_path / "info.py").write_text('import subprocess\nsubprocess.run(["nvcc", "--version"])\n')
    assert detect_need([], tmp_path).compiles_cuda == ()
    (tmp_path / "jit.py").write_text("from torch.utils.cpp_extension import load_inline\n")
    assert detect_need([], tmp_path).compiles_cuda == ()  # imported, not called
    (tmp_path / "jit.py").write_text(
        "from torch.utils import cpp_extension\ncpp_extension.load_inline('k', cuda_sources=[])\n"
    )
    assert detect_need([], tmp_path).compiles_cuda == ("jit.py",)
