"""The nvidia/cuda base the GPU decision picks when the wheels do not bring the CUDA libraries
or the project compiles CUDA code, and the words for why."""

from __future__ import annotations

from reproenv.compat.versions import parse_cuda
from reproenv.detect.cuda_base import BaseChoice, choose_cuda_base
from reproenv.detect.gpu import GpuNeed
from reproenv.errors import ReproenvError, bad_input
from reproenv.spec.model import Spec


def why_base(need: GpuNeed) -> str:
    if not need.compiles_cuda:
        return "the CUDA libraries are not bundled as wheels"
    verb = "compiles" if len(need.compiles_cuda) == 1 else "compile"
    return f"{', '.join(need.compiles_cuda)} {verb} CUDA code, which needs nvcc"


def base_must_provide(spec: Spec, need: GpuNeed, cuda: tuple[int, int]) -> str:
    """The warning for a spec's own base, which must bring what the wheels do not."""
    flavour = "devel" if need.compiles_cuda else "runtime"
    what = "nvcc (CUDA code is compiled)" if need.compiles_cuda else "the CUDA libraries"
    return (
        f'the wheels do not bring {what}: image.base = "{spec.base_image}" must provide '
        f"them, as nvidia/cuda:{cuda[0]}.{cuda[1]}.*-{flavour}-* images do"
    )


def devel_base_or_none(
    spec: Spec, need: GpuNeed, cuda: tuple[int, int], driver: str | None, warnings: list[str]
) -> BaseChoice | None:
    """The -devel image for nvcc; when none has the spec's Python, a warning instead: the
    wheels bring the CUDA libraries, so the image still runs what was built beforehand."""
    try:
        return cuda_base(spec, need, cuda, exact_minor=True, driver=driver)
    except ReproenvError as error:
        warnings.append(
            f"{', '.join(need.compiles_cuda)} need nvcc, but no nvidia/cuda -devel image fits: "
            f"{error.message} ({error.hint}); the image has no nvcc"
        )
        return None


def cuda_base(
    spec: Spec, need: GpuNeed, cuda: tuple[int, int], *, exact_minor: bool, driver: str | None
) -> BaseChoice:
    return choose_cuda_base(
        cuda,
        exact_minor=exact_minor,
        python=spec.python,
        flavour="devel" if need.compiles_cuda else "runtime",
        driver=driver,
        cudnn=need.cudnn,
    )


def wanted_cuda(spec: Spec, detected: tuple[int, int]) -> tuple[int, int]:
    """The spec's `cuda` when it agrees with the packages' CUDA major, else the packages'."""
    if spec.cuda is None:
        return detected
    wanted = parse_cuda(spec.cuda)
    if wanted[0] != detected[0]:
        raise bad_input(
            f"{spec.source.name}: cuda = {spec.cuda!r}, but the locked packages are built for "
            f"CUDA {detected[0]}",
            "cuda-conflict",
            f"set cuda to a {detected[0]}.x version, or lock packages built for CUDA {wanted[0]}",
            file=str(spec.source),
            key="cuda",
        )
    return wanted
