"""The CUDA decision that goes into the lock, with the reason for it.

Inputs: the spec's `gpu` / `cuda` / `gpu-driver`, the locked packages (what CUDA they carry)
and, with `gpu = "auto"`, this host's driver when it has a GPU. The tables behind the choice
are data files (`reproenv/data/*.json`), read and ruled on by `compat/`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from reproenv.compat.alternatives import builds_driver_runs, newer_torch_too_old, upgrade_to
from reproenv.compat.data_files import torch_data
from reproenv.compat.drivers import driver_runs
from reproenv.compat.torch_choice import CudaChoice, choose_torch
from reproenv.compat.torch_releases import torch_data_range, torch_in_data
from reproenv.compat.versions import parse_cuda
from reproenv.detect.conda import conda_cuda
from reproenv.detect.cuda_base import BaseChoice
from reproenv.detect.gpu import GpuNeed, detect_need
from reproenv.errors import ExitCode, ReproenvError, bad_input
from reproenv.host.report import HostGpuReport
from reproenv.lock.gpu_base import (
    base_must_provide,
    cuda_base,
    devel_base_or_none,
    wanted_cuda,
    why_base,
)
from reproenv.lock.gpu_conda import (
    conda_cuda_decision,
    conda_gpu_need,
    container_requirement,
    refuse_conda_cuda,
    with_conda,
)
from reproenv.lock.model import LockedCondaPackage, LockedGpu, LockedPipPackage
from reproenv.settings import TORCH_INDEX_ENV
from reproenv.spec.model import Spec


class VariantNeeded(Exception):  # a request to the caller, not a failure
    """The target needs another torch build than the one resolved: the caller re-resolves
    `packages` with that build's index added and decides again."""

    def __init__(
        self,
        choice: CudaChoice | None,
        locked: str,
        *,
        variant: str | None = None,
        reason: str | None = None,
        packages: tuple[str, ...] = ("torch",),
    ) -> None:
        self.reason = reason or (choice.reason if choice else "")
        super().__init__(self.reason)
        self.choice = choice
        self.locked = locked
        self.variant = variant or (choice.variant if choice else None) or ""
        self.packages = packages
        self._default_index = (choice.index_url if choice else None) or _variant_index(self.variant)

    @classmethod
    def cpu(cls, locked: str, packages: tuple[str, ...]) -> VariantNeeded:
        """`gpu = "none"`: torch's CPU build (PyPI's Linux wheel pulls the CUDA libraries)."""
        return cls(
            None,
            locked,
            variant="cpu",
            reason=f'gpu = "none", but torch {locked} is a CUDA build: its cpu build is wanted',
            packages=packages,
        )

    def index_url(self, env: Mapping[str, str] | None = None) -> str:
        """The variant's index; REPROENV_TORCH_INDEX (a URL, `{variant}` allowed) names a
        mirror of the PyTorch indexes, as companies and air-gapped sites keep them."""
        mirror = (os.environ if env is None else env).get(TORCH_INDEX_ENV)
        if mirror:
            return mirror.format(variant=self.variant)
        return self._default_index

    def as_error(self, cause: ReproenvError | None = None) -> ReproenvError:
        detail = f": {cause.message}" if cause else ""
        cpu = self.variant == "cpu"
        lead = (
            self.reason
            if cpu
            else f"the locked torch {self.locked} does not fit the target ({self.reason})"
        )
        return ReproenvError(
            f"{lead}; the {self.variant} build from {self.index_url()} could not be locked{detail}",
            "cuda-variant-unavailable",
            f"make {self.index_url()} reachable (or set {TORCH_INDEX_ENV} to a mirror), pin "
            + (
                f"torch to its {self.variant} build (torch==X+{self.variant}) with that index "
                'as an extra index, or set gpu = "auto"'
                if cpu
                else "torch to a build the target's driver runs, or set gpu-driver to the real "
                "driver"
            ),
            {"package": "torch"},
            cause.exit_code if cause else ExitCode.BAD_INPUT,
        )


def _variant_index(variant: str) -> str:
    return torch_data().index_url.format(variant=variant) if variant else ""


def decide_gpu(
    spec: Spec,
    packages: tuple[LockedPipPackage, ...],
    probe: Callable[[], HostGpuReport] | None = None,
    *,
    conda: tuple[LockedCondaPackage, ...] = (),
) -> LockedGpu:
    """`conda`: the locked conda records of a spec with [conda]; none yet, its specs speak."""
    conda_need = conda_gpu_need(spec, conda)
    if spec.gpu == "none":
        refuse_conda_cuda(spec, conda_need)
        return _decide_none(spec, packages)
    pins = [(p.name, p.version) for p in packages]
    need = detect_need(pins, spec.project_dir)
    if need.cuda is None and conda_need is not None and conda_need.cuda is not None:
        driver, driver_source, _ = _target(spec, probe)
        return conda_cuda_decision(conda_need, conda_need.cuda, driver, driver_source)
    if need.cuda is None:
        if spec.gpu == "cuda":
            raise bad_input(
                f'{spec.source.name}: gpu = "cuda", but no locked package uses CUDA'
                + (f" ({', '.join(need.cpu_only)} is a CPU build)" if need.cpu_only else ""),
                "gpu-framework-missing",
                "require a CUDA build (e.g. torch from PyPI, jax[cuda12], cupy-cuda12x), "
                'or set gpu = "auto"',
                file=str(spec.source),
                key="gpu",
            )
        cpu_only = (*need.cpu_only, *(conda_need.cpu_only if conda_need else ()))
        why = "; ".join(cpu_only) or "no GPU framework in the lock"
        if need.hints:
            why += f" (the code imports {', '.join(need.hints)}: a CUDA build would need a GPU)"
        note = _conda_note(spec)
        return LockedGpu(need="none", reason=why, warnings=(note,) if note else ())
    driver, driver_source, arch = _target(spec, probe)
    decided = _decide_cuda(spec, need, need.cuda, driver, driver_source, packages, arch)
    decided = with_conda(decided, conda_need)
    note = _conda_note(spec)
    if note:
        return decided.model_copy(update={"warnings": (*decided.warnings, note)})
    return decided


_TORCH_FAMILY = ("torch", "torchvision", "torchaudio")  # built per variant, from one index


def _decide_none(spec: Spec, packages: tuple[LockedPipPackage, ...]) -> LockedGpu:
    """`gpu = "none"`: no CUDA in the image. torch is re-resolved to its CPU build; a package
    that exists only as a CUDA build (cupy-cuda12x, jax[cuda12], tensorflow[and-cuda]) is
    refused, for its CUDA wheels would be gigabytes the image cannot use."""
    if spec.cuda is not None:
        raise bad_input(
            f'{spec.source.name}: gpu = "none" and cuda = {spec.cuda!r} contradict each other',
            "gpu-cuda-conflict",
            'drop cuda for a CPU image, or set gpu = "auto" (or "cuda") to lock that CUDA build',
            file=str(spec.source),
            key="cuda",
        )
    cuda_names = {p.name for p in packages if p.name.startswith("nvidia-")}
    need = detect_need([(p.name, p.version) for p in packages])
    cuda_only = [f for f in need.frameworks if not f.startswith("torch ")]
    if cuda_only:
        raise bad_input(
            f'{spec.source.name}: gpu = "none", but {", ".join(cuda_only)} '
            f"{'is a CUDA build' if len(cuda_only) == 1 else 'are CUDA builds'}",
            "gpu-none-cuda-package",
            "require the CPU build instead (jax without a [cudaNN] extra, tensorflow without "
            '[and-cuda]; CuPy and RAPIDS have none), or set gpu = "auto"',
            file=str(spec.source),
            key="gpu",
        )
    torch_builds = [p for p in packages if p.name == "torch" and not p.version.endswith("+cpu")]
    for torch in torch_builds:
        # a plain torch without nvidia-* wheels (macOS, a CPU-only platform) is a CPU build
        pulls_cuda = any(
            p.name in cuda_names and set(p.platforms) & set(torch.platforms) for p in packages
        )
        if pulls_cuda or "+cu" in torch.version:
            present = {p.name for p in packages}
            raise VariantNeeded.cpu(torch.version, tuple(n for n in _TORCH_FAMILY if n in present))
    torch_version = next((p.version for p in packages if p.name == "torch"), None)
    reason = 'gpu = "none" in the spec'
    if torch_version is not None:
        reason += f"; torch {torch_version} is a CPU build"
    warnings: tuple[str, ...] = ()
    if cuda_names:
        warnings = (
            f'gpu = "none", yet the lock has {", ".join(sorted(cuda_names))}: a requirement '
            "pulls these CUDA wheels; the image carries them unused",
        )
    return LockedGpu(need="none", reason=reason, warnings=warnings)


def _conda_note(spec: Spec) -> str | None:
    """What the project's environment.yml asks of CUDA, which the lock does not act on (the
    spec has no [conda] table that names it)."""
    if spec.conda is not None:
        return None
    try:
        conda = conda_cuda(spec.project_dir)
    except ReproenvError as error:  # the lock does not depend on it: a note, not a failure
        return f"the environment file was not read for its CUDA needs: {error.message}"
    if conda is None or not conda.evidence:
        return None
    cuda = f"CUDA {conda.cuda[0]}.{conda.cuda[1]}" if conda.cuda else "a CUDA build"
    return (
        f"{conda.file} asks for {cuda} ({'; '.join(conda.evidence)}), but the spec names "
        "no conda environment, so the image gets the pip inputs only; add [conda] environment "
        f'= ["{conda.file}"] to the spec to lock it'
    )


def _target(
    spec: Spec, probe: Callable[[], HostGpuReport] | None
) -> tuple[str | None, str, tuple[int, int] | None]:
    """The target's driver, where it was learnt, and (when it is this host) the compute
    capability of its oldest GPU, whose kernels the torch build must ship."""
    if spec.gpu_driver:
        return spec.gpu_driver, f"gpu-driver = {spec.gpu_driver} in the spec", None
    if spec.gpu == "auto":
        from reproenv.host.probe import probe_host

        report = (probe or probe_host)()
        if report.driver_version and report.gpus:
            oldest = min(gpu.compute_capability for gpu in report.gpus)
            return report.driver_version, f"this host's driver {report.driver_version}", oldest
    return None, "no target driver declared (gpu-driver) or found on this host", None


def _decide_cuda(
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
