"""The CUDA decision for a lock with a GPU framework (lock/gpu.py decides whether it has
one): the torch build the target's driver and GPUs run, the nvidia/cuda base when the wheels
do not bring CUDA, and the driver checks, from the CUDA tables in `compat/`."""

from __future__ import annotations

from reproenv.compat.alternatives import builds_driver_runs, newer_torch_too_old, upgrade_to
from reproenv.compat.drivers import driver_runs
from reproenv.compat.torch_choice import CudaChoice, choose_torch
from reproenv.compat.torch_releases import torch_data_range, torch_in_data
from reproenv.compat.versions import parse_cuda
from reproenv.detect.cuda_base import BaseChoice
from reproenv.detect.gpu import GpuNeed
from reproenv.errors import bad_input
from reproenv.lock.gpu_base import (
    base_must_provide,
    cuda_base,
    devel_base_or_none,
    wanted_cuda,
    why_base,
)
from reproenv.lock.gpu_conda import container_requirement
from reproenv.lock.gpu_variant import VariantNeeded
from reproenv.lock.model import LockedGpu, LockedPipPackage
from reproenv.spec.model import Spec


def decide_cuda(
    spec: Spec,
    need: GpuNeed,
    cuda: tuple[int, int],
    driver: str | None,
    driver_source: str,
    packages: tuple[LockedPipPackage, ...],
    arch: tuple[int, int] | None = None,
) -> LockedGpu:
    warnings: list[str] = []
    reason = "; ".join(need.evidence)
    # CUDA libraries the wheels do not bring, or nvcc for the project's own CUDA code, come from
    # an nvidia/cuda base; chosen here unless the spec names its own base
    needs_cuda_base = not need.bundled or bool(need.compiles_cuda)
    choose_base = needs_cuda_base and spec.base_is_default
    base: BaseChoice | None = None
    torch, unknown_torch = _locked_torch(spec, packages, cuda, warnings)
    if torch is not None:
        choice = _torch_choice(spec, torch, driver, arch)
        reason = f"{reason}; {choice.reason}"
        warnings += choice.warnings
        if choose_base:  # nvcc of torch's own CUDA: extensions must match it
            base = devel_base_or_none(spec, need, choice.cuda, driver, warnings)
    elif choose_base and need.bundled:  # only nvcc is missing: that of the wheels' CUDA
        base = devel_base_or_none(spec, need, wanted_cuda(spec, cuda), driver, warnings)
    elif choose_base:
        # the spec's `cuda` names the minor; else the newest of the packages' major
        base = cuda_base(
            spec, need, wanted_cuda(spec, cuda), exact_minor=spec.cuda is not None, driver=driver
        )
        cuda = base.cuda
    elif driver is not None:
        reason = f"{reason}; {_driver_fits(need, cuda, driver, unknown_torch)}"
    if driver is None and base is None:
        warnings.append(f"{driver_source}: the choice was not checked against a driver")
    if base is not None:
        reason = f"{reason}; {why_base(need)}: {base.reason}"
    elif needs_cuda_base and not choose_base:
        warnings.append(base_must_provide(spec, need, cuda))
    return LockedGpu(
        need="cuda",
        cuda=f"{cuda[0]}.{cuda[1]}",
        require_cuda=container_requirement(cuda, driver),
        frameworks=need.frameworks,
        bundled=need.bundled,
        driver=driver,
        base_image=base.reference if base else None,
        reason=f"{reason} (target: {driver_source})",
        warnings=tuple(warnings),
    )


def _locked_torch(
    spec: Spec,
    packages: tuple[LockedPipPackage, ...],
    cuda: tuple[int, int],
    warnings: list[str],
) -> tuple[str | None, str | None]:
    """(the locked torch when the data knows it, the locked torch when it does not)."""
    torch = next((p.version for p in packages if p.name == "torch"), None)
    if torch is None or torch_in_data(torch):
        return torch, None
    # a release newer (or older) than the data: its CUDA is what the wheels say, checked
    # against the driver like any other package's; variants and GPU architectures are not
    warnings.append(
        f"torch {torch} is not in reproenv's CUDA data (torch {torch_data_range()}): its "
        "variants and GPU architectures were not checked; refresh the data with "
        "scripts/update_compat_data.py or upgrade reproenv"
    )
    if spec.cuda is not None:
        _unknown_torch_variant(spec, torch, cuda)
    return None, torch


def _torch_choice(
    spec: Spec, torch: str, driver: str | None, arch: tuple[int, int] | None
) -> CudaChoice:
    """The torch build the target runs; another build than the locked one is a re-resolve."""
    locked_variant = torch.split("+", 1)[1] if "+" in torch else None
    if locked_variant or spec.cuda:
        # a +cuXYZ pin, or the spec's `cuda`, names the build
        choice = choose_torch(
            torch if locked_variant else torch.split("+", 1)[0],
            driver=driver, compute_capability=arch, wanted_cuda=spec.cuda,
        )  # fmt: skip
    else:
        # the default PyPI wheel is what is locked; when the driver cannot run it, the
        # newest variant it runs is chosen (and the lock re-resolved from its index)
        choice = choose_torch(torch, driver=driver, compute_capability=arch)
    if choice.variant is not None and choice.variant != locked_variant:
        raise VariantNeeded(choice, torch)
    return choice


def _driver_fits(
    need: GpuNeed, cuda: tuple[int, int], driver: str, unknown_torch: str | None
) -> str:
    """Why the driver runs the packages' CUDA; an error saying what would run when it does not."""
    fits, why = driver_runs(driver, cuda)
    if not fits and unknown_torch is not None:
        raise newer_torch_too_old(unknown_torch, cuda, driver, why)
    if not fits:
        raise bad_input(
            f"the locked packages need CUDA {cuda[0]}.{cuda[1]}: {why}",
            "cuda-driver-too-old",
            f"upgrade the driver on the target to ≥ {upgrade_to(cuda)}"
            + builds_driver_runs(need.frameworks, driver),
        )
    return why


def _unknown_torch_variant(spec: Spec, torch: str, bundled: tuple[int, int]) -> None:
    """The spec's `cuda` for a torch the data does not know: its index decides whether that
    build exists (the caller re-resolves from it; an index without it is an error there)."""
    wanted = parse_cuda(spec.cuda or "")
    variant = f"cu{wanted[0]}{wanted[1]}"
    local = torch.split("+", 1)[1] if "+" in torch else None
    if local == variant or (local is None and bundled == wanted):
        return  # the locked build is the one asked for
    raise VariantNeeded(
        None,
        torch,
        variant=variant,
        reason=f"cuda = {spec.cuda!r} asks for torch's {variant} build; torch {torch} is not in "
        f"reproenv's CUDA data (torch {torch_data_range()}), so only its index can tell "
        "whether it has one",
    )
