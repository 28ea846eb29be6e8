"""The CUDA decision that goes into the lock, with the reason for it.

Inputs: the spec's `gpu` / `cuda` / `gpu-driver`, the locked packages (what CUDA they carry)
and, with `gpu = "auto"`, this host's driver when it has a GPU. The tables behind the choice
are data files (`reproenv/data/*.json`), read and ruled on by `compat/`; a lock without a GPU
framework decides here, without loading them (lock/gpu_cuda.py decides for one that has).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reproenv.detect.conda import conda_cuda
from reproenv.detect.gpu import detect_need
from reproenv.errors import ReproenvError, bad_input
from reproenv.lock.gpu_conda import (
    conda_cuda_decision,
    conda_gpu_need,
    refuse_conda_cuda,
    with_conda,
)
from reproenv.lock.gpu_variant import VariantNeeded as VariantNeeded
from reproenv.lock.model import LockedCondaPackage, LockedGpu, LockedPipPackage
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from reproenv.host.report import HostGpuReport


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
    from reproenv.lock.gpu_cuda import decide_cuda

    driver, driver_source, arch = _target(spec, probe)
    decided = decide_cuda(spec, need, need.cuda, driver, driver_source, packages, arch)
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
