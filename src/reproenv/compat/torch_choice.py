"""Which torch wheel to install for a host: the default PyPI wheel or an index variant, chosen
by the driver (what CUDA it runs) and the GPU (what kernels the build ships), with the reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.version import Version

from reproenv.compat.arch import arch_name, coverage
from reproenv.compat.data_files import torch_data
from reproenv.compat.drivers import requirement, runs
from reproenv.compat.schema import TorchBuild, TorchRelease
from reproenv.compat.torch_releases import (
    build_name,
    by_cuda_desc,
    gpu_warnings,
    is_default,
    or_list,
    too_old,
    torch_release,
)
from reproenv.compat.versions import Cuda, cuda_text, driver_key, parse_cuda
from reproenv.errors import bad_input


@dataclass(frozen=True)
class CudaChoice:
    """Which wheel of a framework to install, and why.

    `variant` is None for the framework's default wheel (plain PyPI, `index_url` None); otherwise
    the index variant ("cu118", …) and the index URL to install it from.
    """

    framework: str
    framework_version: str
    variant: str | None
    cuda: Cuda
    index_url: str | None
    reason: str
    warnings: tuple[str, ...]


def _pick_for_gpu(candidates: Sequence[TorchBuild], cc: Cuda | None) -> TorchBuild:
    """The first candidate with machine code for the GPU, else with PTX for it, else the first."""
    if cc is not None:
        for wanted in ("sass", "ptx"):
            for build in candidates:
                if coverage(build, cc) == wanted:
                    return build
    return candidates[0]


def choose_torch(
    torch_version: str,
    *,
    driver: str | None,
    compute_capability: Cuda | None,
    wanted_cuda: str | None = None,
    variant_allowed: bool = True,
) -> CudaChoice:
    """Choose the torch wheel for a host with `driver` and a GPU of `compute_capability`.

    - `wanted_cuda` (or a `+cuXYZ` local version in `torch_version`) forces that CUDA's build:
      the default PyPI wheel when it is that build, else the index variant.
    - `variant_allowed=False` means "the default PyPI wheel as it is": never switch to a variant.
    - Otherwise: the default PyPI wheel when the driver (if known) runs its CUDA, else the newest
      variant the driver runs, natively or through minor-version compatibility. When
      `compute_capability` is given, a build with machine code for that GPU wins over one without
      (and one with PTX for it over one with nothing).

    No build the driver runs -> `cuda-driver-too-old`. A build without kernels for the GPU is still
    chosen when nothing better runs, with a warning that says what would have them.
    """
    version, release = torch_release(torch_version)
    if driver is not None:
        driver_key(driver)  # a malformed driver is the user's mistake, reported as such
    wanted = _wanted_cuda(torch_version, version, wanted_cuda)
    forced, why = _forced_build(release, wanted, variant_allowed)
    if forced is not None:
        return _forced_choice(version, release, forced, why, driver, compute_capability)
    return _free_choice(version, release, driver, compute_capability)


def _wanted_cuda(torch_version: str, version: Version, wanted_cuda: str | None) -> Cuda | None:
    local = version.local
    if local is None:
        return None if wanted_cuda is None else parse_cuda(wanted_cuda)
    if not re.fullmatch(r"cu\d{2,3}", local):
        raise bad_input(
            f"torch {torch_version} is not a CUDA build",
            reference="torch-local-version-unsupported",
            hint="give the plain version (2.4.1) or a CUDA one (2.4.1+cu121)",
            torch=torch_version,
        )
    if wanted_cuda is not None and parse_cuda(wanted_cuda) != parse_cuda(local):
        raise bad_input(
            f"torch {torch_version} and CUDA {wanted_cuda} contradict each other",
            reference="torch-cuda-conflict",
            hint="give the CUDA in one place only",
            torch=torch_version,
            cuda=wanted_cuda,
        )
    return parse_cuda(local)


def _forced_build(
    release: TorchRelease, wanted: Cuda | None, variant_allowed: bool
) -> tuple[TorchBuild | None, str]:
    """The build the caller insists on (None: free to choose), and the words for why."""
    default = release.default
    if wanted is None:
        return (None, "") if variant_allowed else (default, "the default PyPI wheel as it is: ")
    build = next((b for b in release.variants if parse_cuda(b.cuda) == wanted), None)
    if build is None:
        publish = [
            r.torch
            for r in torch_data().releases
            for b in r.variants
            if parse_cuda(b.cuda) == wanted
        ]
        also = f"; torch {or_list(publish)} publish it" if publish else ""
        raise bad_input(
            f"torch {release.torch} publishes no CUDA {cuda_text(wanted)} build: its "
            f"variants are {', '.join(b.variant for b in release.variants)}",
            reference="torch-cuda-variant-unavailable",
            hint=f"choose one of those{also}",
            torch=release.torch,
            cuda=cuda_text(wanted),
        )
    if not is_default(release, build) and not variant_allowed:
        raise bad_input(
            f"CUDA {build.cuda} is the {build.variant} variant of torch {release.torch}, not its "
            f"default PyPI wheel (CUDA {default.cuda}), and variants are not allowed here",
            reference="torch-variant-not-allowed",
            hint=f"allow the {build.variant} variant, or ask for CUDA {default.cuda}",
            torch=release.torch,
            cuda=build.cuda,
        )
    return build, f"CUDA {build.cuda} was asked for: "


def _forced_choice(
    version: Version,
    release: TorchRelease,
    build: TorchBuild,
    why: str,
    driver: str | None,
    cc: Cuda | None,
) -> CudaChoice:
    name = build_name(release, build)
    if driver is None:
        return _choice(version, release, build, f"{why}{name}; {_no_driver(build)}", cc)
    result = runs(driver, parse_cuda(build.cuda), _short(release, build))
    if not result.ok:
        raise too_old(release, driver, [build])
    return _choice(version, release, build, f"{why}{name}; {result.reason}", cc)


def _free_choice(
    version: Version, release: TorchRelease, driver: str | None, cc: Cuda | None
) -> CudaChoice:
    default = release.default
    candidates = [default, *(b for b in by_cuda_desc(release.variants) if b != default)]
    if driver is not None:
        runnable = [b for b in candidates if runs(driver, parse_cuda(b.cuda), b.variant).ok]
        if not runnable:
            raise too_old(release, driver, by_cuda_desc(release.variants), str(version))
        candidates = runnable
    build = _pick_for_gpu(candidates, cc)
    if driver is None:
        how = _no_driver(build)
    else:
        how = runs(driver, parse_cuda(build.cuda), _short(release, build)).reason
    if is_default(release, build):
        reason = f"{build_name(release, build)}; {how}"
    elif default in candidates and cc is not None:  # chosen for the GPU's sake
        reason = (
            f"{build_name(release, default)} ships no kernels for {arch_name(cc)}; "
            f"{build.variant} is the newest variant {_that_does(build, cc)}: {how}"
        )
    else:
        reason = (
            f"{build_name(release, default)} needs a newer driver "
            f"({requirement(parse_cuda(default.cuda))}); {build.variant} is the newest variant "
            f"driver {driver} runs: {how}"
        )
    return _choice(version, release, build, reason, cc)


def _short(release: TorchRelease, build: TorchBuild) -> str:
    return f"CUDA {build.cuda}" if is_default(release, build) else build.variant


def _no_driver(build: TorchBuild) -> str:
    return (
        f"no NVIDIA driver was given, so the host that runs it must meet this: "
        f"{requirement(parse_cuda(build.cuda))}"
    )


def _that_does(build: TorchBuild, cc: Cuda | None) -> str:
    return "with PTX for it" if cc is not None and coverage(build, cc) == "ptx" else "that does"


def _choice(
    version: Version, release: TorchRelease, build: TorchBuild, reason: str, cc: Cuda | None
) -> CudaChoice:
    default = is_default(release, build)
    return CudaChoice(
        framework="torch",
        framework_version=version.public,
        variant=None if default else build.variant,
        cuda=parse_cuda(build.cuda),
        index_url=None if default else torch_data().index_url.format(variant=build.variant),
        reason=reason,
        warnings=gpu_warnings(release, build, cc),
    )
