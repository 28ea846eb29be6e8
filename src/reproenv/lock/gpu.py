"""The CUDA decision that goes into the lock, with the reason for it.

Inputs: the spec's `gpu` / `cuda` / `gpu-driver`, the locked packages (what CUDA they carry)
and, with `gpu = "auto"`, this host's driver when it has a GPU. The tables behind the choice
are data files (`reproenv/data/*.json`), read by `detect.cuda`.
"""

from __future__ import annotations

from collections.abc import Callable

from reproenv.detect.gpu import GpuNeed, detect_need
from reproenv.detect.gpu_host import HostGpuReport
from reproenv.errors import bad_input
from reproenv.lock.model import LockedGpu, LockedPipPackage
from reproenv.spec.model import Spec


def decide_gpu(
    spec: Spec,
    packages: tuple[LockedPipPackage, ...],
    probe: Callable[[], HostGpuReport] | None = None,
) -> LockedGpu:
    if spec.gpu == "none":
        return LockedGpu(need="none", reason='gpu = "none" in the spec')
    pins = [(p.name, p.version) for p in packages]
    need = detect_need(pins, spec.project_dir)
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
        why = "; ".join(need.cpu_only) or "no GPU framework in the lock"
        if need.hints:
            why += f" (the code imports {', '.join(need.hints)}: a CUDA build would need a GPU)"
        return LockedGpu(need="none", reason=why)
    driver, driver_source = _target_driver(spec, probe)
    return _decide_cuda(spec, need, need.cuda, driver, driver_source, packages)


def _target_driver(spec: Spec, probe: Callable[[], HostGpuReport] | None) -> tuple[str | None, str]:
    if spec.gpu_driver:
        return spec.gpu_driver, f"gpu-driver = {spec.gpu_driver} in the spec"
    if spec.gpu == "auto":
        from reproenv.detect.gpu_host import probe_host

        report = (probe or probe_host)()
        if report.driver_version and report.gpus:
            return report.driver_version, f"this host's driver {report.driver_version}"
    return None, "no target driver declared (gpu-driver) or found on this host"


def _decide_cuda(
    spec: Spec,
    need: GpuNeed,
    cuda: tuple[int, int],
    driver: str | None,
    driver_source: str,
    packages: tuple[LockedPipPackage, ...],
) -> LockedGpu:
    from reproenv.detect.cuda import choose_torch, driver_runs

    warnings: list[str] = []
    reason = "; ".join(need.evidence)
    torch = next((p.version for p in packages if p.name == "torch"), None)
    if torch is not None:
        locked_variant = torch.split("+", 1)[1] if "+" in torch else None
        if locked_variant or spec.cuda:
            # a +cuXYZ pin, or the spec's `cuda`, names the build
            choice = choose_torch(
                torch if locked_variant else torch.split("+", 1)[0],
                driver=driver, compute_capability=None, wanted_cuda=spec.cuda,
            )  # fmt: skip
        else:
            # the default PyPI wheel is what is locked: it fits the driver, or it is an error
            # that names the variants that would
            choice = choose_torch(
                torch, driver=driver, compute_capability=None, variant_allowed=False
            )
        if choice.variant is not None and choice.variant != locked_variant:
            raise bad_input(
                f"the locked torch {torch} does not fit the target: {choice.reason}",
                "cuda-variant-mismatch",
                f"lock the {choice.variant} build: add `--extra-index-url {choice.index_url}` "
                "to your requirements and pin torch to that variant, then `reproenv lock`",
                package="torch",
            )
        reason = f"{reason}; {choice.reason}"
        warnings += choice.warnings
    elif driver is not None:
        fits, why = driver_runs(driver, cuda)
        if not fits:
            raise bad_input(
                f"the locked packages need CUDA {cuda[0]}.{cuda[1]}: {why}",
                "cuda-driver-too-old",
                "upgrade the driver on the target, or lock builds for an older CUDA",
            )
        reason = f"{reason}; {why}"
    if driver is None:
        warnings.append(f"{driver_source}: the choice was not checked against a driver")
    if not need.bundled:
        warnings.append(
            "the CUDA libraries are not bundled as wheels: use a CUDA base image, e.g. "
            f'image.base = "nvidia/cuda:{cuda[0]}.{cuda[1]}.0-runtime-ubuntu22.04"'
        )
    return LockedGpu(
        need="cuda",
        cuda=f"{cuda[0]}.{cuda[1]}",
        frameworks=need.frameworks,
        bundled=need.bundled,
        driver=driver,
        reason=f"{reason} (target: {driver_source})",
        warnings=tuple(warnings),
    )
