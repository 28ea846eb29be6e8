"""The CUDA a conda environment carries, as part of the GPU decision: read from the locked
records (`cudatoolkit`, `cuda-version`, a `cuda…` build of pytorch, …) or, before they exist,
from the environment files' specs, and checked against the target driver as the pip
packages' CUDA is."""

from __future__ import annotations

from reproenv.detect.conda import CondaGpuNeed, cuda_from_entries, cuda_from_records
from reproenv.errors import bad_input
from reproenv.lock.model import LockedCondaPackage, LockedGpu
from reproenv.spec.environment import match_spec_name
from reproenv.spec.model import Spec


def conda_gpu_need(spec: Spec, records: tuple[LockedCondaPackage, ...]) -> CondaGpuNeed | None:
    """None for a spec without [conda]."""
    conda = spec.conda
    if conda is None:
        return None
    if records:
        written = {_name(entry.text): entry.where for entry in conda.specs}
        return cuda_from_records(((r.name, r.version, r.build) for r in records), written)
    return cuda_from_entries((entry.text, entry.where) for entry in conda.specs)


def refuse_conda_cuda(spec: Spec, need: CondaGpuNeed | None) -> None:
    """`gpu = "none"`: a conda environment that carries CUDA would put it in the image unused."""
    if need is None or need.cuda is None:
        return
    raise bad_input(
        f'{spec.source.name}: gpu = "none", but the conda environment carries CUDA '
        f"{_text(need.cuda)} ({need.source})",
        "gpu-none-cuda-package",
        "drop the CUDA packages (and use CPU builds: pytorch's `cpu` build, cpuonly) from the "
        'environment file, or set gpu = "auto"',
        file=str(spec.source),
        key="gpu",
    )


def conda_cuda_decision(
    need: CondaGpuNeed, cuda: tuple[int, int], driver: str | None, driver_source: str
) -> LockedGpu:
    """The decision when the conda packages alone carry CUDA: the environment brings its CUDA
    runtime, so the base needs none (`bundled`)."""
    warnings: list[str] = []
    reason = f"the conda environment carries CUDA {_text(cuda)}: {need.source}"
    if driver is None:
        warnings.append(f"{driver_source}: the choice was not checked against a driver")
    else:
        reason = f"{reason}; {check_conda_driver(need, cuda, driver)}"
    return LockedGpu(
        need="cuda",
        cuda=_text(cuda),
        require_cuda=container_requirement(cuda, driver),
        frameworks=need.frameworks,
        bundled=True,
        driver=driver,
        reason=f"{reason} (target: {driver_source})",
        warnings=tuple(warnings),
    )


def with_conda(decided: LockedGpu, need: CondaGpuNeed | None) -> LockedGpu:
    """A decision the pip packages made, with the conda environment's CUDA checked too (the
    driver must run both) and named in the reason."""
    if need is None or need.cuda is None or decided.need != "cuda":
        return decided
    reason = f"{decided.reason}; the conda environment carries CUDA {_text(need.cuda)}: "
    if decided.driver is not None:
        reason += f"{need.source}, {check_conda_driver(need, need.cuda, decided.driver)}"
    else:
        reason += need.source
    frameworks = tuple(dict.fromkeys([*decided.frameworks, *need.frameworks]))
    return decided.model_copy(update={"reason": reason, "frameworks": frameworks})


def check_conda_driver(need: CondaGpuNeed, cuda: tuple[int, int], driver: str) -> str:
    """Why the driver runs the environment's CUDA; the pip path's error when it does not."""
    from reproenv.compat.alternatives import upgrade_to
    from reproenv.compat.drivers import driver_max_cuda, driver_runs

    fits, why = driver_runs(driver, cuda)
    if fits:
        return why
    newest = driver_max_cuda(driver)
    runs = (
        f", or pin a CUDA it runs (≤ {_text(newest)}) in the environment file (cudatoolkit, "
        "cuda-version, pytorch-cuda)"
        if newest
        else ""
    )
    raise bad_input(
        f"the locked packages need CUDA {_text(cuda)} ({need.source}): {why}",
        "cuda-driver-too-old",
        f"upgrade the driver on the target to ≥ {upgrade_to(cuda)}{runs}",
    )


def container_requirement(cuda: tuple[int, int], driver: str | None) -> str | None:
    """The CUDA the container toolkit is told to require, when it is not `cuda` itself: a
    driver running it through minor-version compatibility reports an older CUDA, which a plain
    `cuda>=X.Y` would refuse at start; the major's X.0 lets every driver of the family run it."""
    if driver is None:
        return None
    from reproenv.compat.drivers import driver_verdict

    verdict, _ = driver_verdict(driver, cuda, f"CUDA {_text(cuda)}")
    return f"{cuda[0]}.0" if verdict == "minor-version-compatibility" else None


def _text(cuda: tuple[int, int]) -> str:
    return f"{cuda[0]}.{cuda[1]}"


def _name(text: str) -> str:
    return match_spec_name(text).lower()
