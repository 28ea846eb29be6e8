"""Does the project need a GPU, and which CUDA do its locked packages carry? Pure: reads pins
and source files, no network. Imports in .py/.ipynb files are a hint only, never a decision."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_LOCAL_CUDA = re.compile(r"\+cu(\d{2,3})$")  # torch 2.4.1+cu121
_RUNTIME = re.compile(r"^nvidia-cuda-runtime(-cu(\d+))?$")  # the bundled CUDA runtime wheel
_CUPY = re.compile(r"^cupy-cuda(\d+)x?$")
_JAX_PLUGIN = re.compile(r"^jax-cuda(\d+)-plugin$")
_RAPIDS = re.compile(r"^(cudf|cuml|cugraph|cuspatial|rmm|raft-dask|pylibraft)-cu(\d+)$")
JAX_LOCAL_CUDNN = 9  # jax[cudaNN-local] needs cuDNN 9 (jax's installation guide)
_IMPORTS = re.compile(r"^\s*(?:import|from)\s+(torch|tensorflow|jax|cupy|cudf|cuml)\b", re.M)


@dataclass(frozen=True)
class GpuNeed:
    """What the pins say. `cuda` is the CUDA the GPU wheels carry or were built for."""

    frameworks: tuple[str, ...] = ()  # e.g. ("torch 2.11.0",)
    cuda: tuple[int, int] | None = None
    bundled: bool = False  # the CUDA libraries come as nvidia-* wheels: no CUDA base image
    cpu_only: tuple[str, ...] = ()  # GPU frameworks locked in a CPU build
    evidence: tuple[str, ...] = ()
    hints: tuple[str, ...] = field(default=())  # imports seen in the code, not a decision
    compiles_cuda: tuple[str, ...] = ()  # files that build CUDA code: nvcc (a -devel image)
    cudnn: int | None = None  # the cuDNN major the image must provide (not bundled as wheels)

    @property
    def needed(self) -> bool:
        return self.cuda is not None


def detect_need(pins: Iterable[tuple[str, str]], project_dir: Path | None = None) -> GpuNeed:
    versions = dict(pins)
    frameworks: list[str] = []
    evidence: list[str] = []
    cpu_only: list[str] = []
    cuda: tuple[int, int] | None = None
    torch_cuda_build = False  # +cuXYZ wheels carry their CUDA (inside, or as nvidia-* wheels)
    cudnn: int | None = None
    runtime = next(
        ((name, version) for name, version in versions.items() if _RUNTIME.match(name)), None
    )
    if runtime:
        cuda = _major_minor(runtime[1])
        evidence.append(f"{runtime[0]} {runtime[1]} bundles the CUDA {cuda[0]}.{cuda[1]} runtime")
    for name, version in sorted(versions.items()):
        local = _LOCAL_CUDA.search(version)
        if name in ("torch", "torchvision", "torchaudio") and version.endswith("+cpu"):
            cpu_only.append(f"{name} {version}")
        elif name == "torch":
            frameworks.append(f"torch {version}")
            if local:
                digits = local.group(1)
                cuda = (int(digits[:-1]), int(digits[-1]))
                torch_cuda_build = True
                evidence.append(f"torch {version} is the cu{digits} build (PyTorch CUDA index)")
        elif name in ("tensorflow", "tensorflow-gpu") and runtime:
            frameworks.append(f"{name} {version}")
            evidence.append(f"{name} {version} with nvidia-* wheels: tensorflow[and-cuda]")
        elif match := _JAX_PLUGIN.match(name):
            frameworks.append(f"jax ({name} {version})")
            cuda = cuda or (int(match.group(1)), 0)
            line, local_cudnn = _jax_build(name, version, match.group(1), runtime is not None)
            evidence.append(line)
            cudnn = local_cudnn or cudnn
        elif match := _CUPY.match(name):
            frameworks.append(f"{name} {version}")
            digits = match.group(1)
            cuda = cuda or (
                (int(digits), 0) if len(digits) <= 2 else (int(digits[:-1]), int(digits[-1]))
            )
            evidence.append(f"{name} {version} is built for CUDA {digits[:2]}")
        elif match := _RAPIDS.match(name):
            frameworks.append(f"{name} {version}")
            cuda = cuda or (int(match.group(2)), 0)
            evidence.append(f"{name} {version} (RAPIDS) is built for CUDA {match.group(2)}")
    if frameworks == [f"torch {versions.get('torch')}"] and cuda is None:
        cpu_only.append(f"torch {versions['torch']} (no CUDA runtime in the lock)")
        frameworks = []
    return GpuNeed(
        frameworks=tuple(frameworks) if cuda else (),
        cuda=cuda,
        bundled=runtime is not None or torch_cuda_build,
        cudnn=cudnn,
        cpu_only=tuple(cpu_only),
        evidence=tuple(evidence),
        hints=_import_hints(project_dir) if project_dir else (),
        compiles_cuda=_cuda_builds(project_dir) if project_dir else (),
    )


def _jax_build(name: str, version: str, major: str, bundled: bool) -> tuple[str, int | None]:
    """The evidence for a jax CUDA plugin, and the cuDNN major the image must bring (if any)."""
    if bundled:
        return f"{name} {version}: jax[cuda{major}]", None
    # jax[cudaNN-local]: CUDA and cuDNN 9 come from the image
    return (
        f"{name} {version} without nvidia-* wheels: jax[cuda{major}-local], "
        f"which uses the image's CUDA and cuDNN {JAX_LOCAL_CUDNN}"
    ), JAX_LOCAL_CUDNN


def _major_minor(version: str) -> tuple[int, int]:
    major, minor, *_ = (version.split("+")[0] + ".0").split(".")
    return int(major), int(minor)


_SKIP_DIRS = {"venv", "env", "site-packages", "node_modules", "build", "dist", "__pycache__"}


def _source_files(
    project_dir: Path, limit: int = 500, suffixes: tuple[str, ...] = (".py", ".ipynb")
) -> list[Path]:
    """The project's own .py and .ipynb files: environments and hidden folders are pruned,
    so a project with a local venv is not scanned package by package."""
    found: list[Path] = []
    for root, dirs, files in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        found += [Path(root) / f for f in sorted(files) if f.endswith(suffixes)]
        if len(found) >= limit:
            break
    return found[:limit]


def _import_hints(project_dir: Path) -> tuple[str, ...]:
    found: set[str] = set()
    files = _source_files(project_dir)
    for path in (f for f in files if f.suffix == ".py"):
        found.update(_IMPORTS.findall(_read(path)))
    for path in (f for f in files if f.suffix == ".ipynb"):
        try:
            cells = json.loads(_read(path)).get("cells", [])
        except (json.JSONDecodeError, AttributeError):
            continue
        for cell in cells:
            source = cell.get("source", "")
            found.update(_IMPORTS.findall("".join(source) if isinstance(source, list) else source))
    return tuple(sorted(found))


# what builds CUDA code with nvcc: torch's extension helpers (a mention of nvcc is no evidence)
_CUDA_EXTENSION = re.compile(r"\bCUDAExtension\b|\bcpp_extension\.load(?:_inline)?\b")


def _cuda_builds(project_dir: Path) -> tuple[str, ...]:
    """CUDA sources, or build scripts that compile CUDA extensions (torch's CUDAExtension)."""
    found = []
    for path in _source_files(project_dir, suffixes=(".py", ".cu", ".cuh")):
        if path.suffix in (".cu", ".cuh") or _CUDA_EXTENSION.search(_read(path)):
            found.append(path.relative_to(project_dir).as_posix())
    return tuple(sorted(found)[:5])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
