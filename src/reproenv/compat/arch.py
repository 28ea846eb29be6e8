"""Which GPUs a build's kernels cover: machine code for sm_XY runs on GPUs of the same major X
with minor >= Y; PTX for compute_XY is JIT-compiled for any GPU of compute capability >= X.Y
(`data/compute_capability.json` names the architectures)."""

from __future__ import annotations

from typing import Literal

from reproenv.compat.data_files import compute_capability_data
from reproenv.compat.schema import TorchBuild
from reproenv.compat.versions import Cuda, cuda_text, parse_cuda

Coverage = Literal["sass", "ptx", "none"]


def arch_cc(arch: str) -> Cuda:
    """`"sm_120"` / `"compute_90"` -> `(12, 0)` / `(9, 0)`."""
    digits = arch.split("_", 1)[1]
    return int(digits[:-1]), int(digits[-1])


def arch_name(cc: Cuda) -> str:
    info = next(
        (
            a
            for a in compute_capability_data().architectures
            if parse_cuda(a.compute_capability) == cc
        ),
        None,
    )
    sm = f"sm_{cc[0]}{cc[1]}"
    if info is None:
        return f"{sm} (compute capability {cuda_text(cc)})"
    return f"{sm} (compute capability {cuda_text(cc)}, {info.family}: {', '.join(info.examples)})"


def coverage(build: TorchBuild, cc: Cuda) -> Coverage:
    if any(major == cc[0] and minor <= cc[1] for major, minor in map(arch_cc, build.archs)):
        return "sass"
    if any(arch_cc(ptx) <= cc for ptx in build.ptx):
        return "ptx"
    return "none"
