"""CUDA decisions: which CUDA an NVIDIA driver runs, and which torch wheel to install for a host.

Pure functions over the versioned JSON data in `reproenv/data/` (each file names its source and
the date it was taken); the compatibility facts live there, never here. What this module knows
itself are NVIDIA's two rules, as the data files describe them:

- a driver runs a CUDA natively when it is at least the driver that CUDA's toolkit shipped with
  (and every later driver keeps running it), and from CUDA 11 on it runs any minor of a CUDA major
  through *minor-version compatibility* when it is at least that major's floor, with a limited
  feature set (PTX built by a newer toolkit cannot be JIT-compiled on it);
- machine code for sm_XY runs on GPUs of the same major X with minor >= Y; PTX for compute_XY is
  JIT-compiled for any GPU of compute capability >= X.Y.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reproenv.errors import ReproenvError, bad_input

Cuda = tuple[int, int]
DriverKey = tuple[int, int, int]

# ---------------------------------------------------------------------------------------------
# the data files


class StrictData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataFile(StrictData):
    schema_version: Literal[1] = Field(alias="schema")
    source: tuple[str, ...]
    retrieved: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    notes: str


class ToolkitDriver(StrictData):
    cuda: str
    min_driver: str


class FamilyDriver(StrictData):
    cuda_major: int
    min_driver: str


class CudaDrivers(DataFile):
    toolkits: tuple[ToolkitDriver, ...]
    minor_version_compatibility: tuple[FamilyDriver, ...]


class TorchBuild(StrictData):
    variant: str
    cuda: str
    archs: tuple[str, ...]
    ptx: tuple[str, ...]


class TorchRelease(StrictData):
    torch: str
    default_wheel_same_as: str
    variants: tuple[TorchBuild, ...]

    @property
    def default(self) -> TorchBuild:
        return next(b for b in self.variants if b.variant == self.default_wheel_same_as)


class TorchData(DataFile):
    platform: str
    index_url: str
    releases: tuple[TorchRelease, ...]


class Architecture(StrictData):
    compute_capability: str
    arch: str
    family: str
    examples: tuple[str, ...]
    min_cuda: str
    last_cuda: str | None


class ComputeCapabilities(DataFile):
    binary_compatibility: Literal["same-major-minor-or-newer"]
    ptx_compatibility: Literal["any-newer-compute-capability"]
    architectures: tuple[Architecture, ...]


class TensorflowRelease(StrictData):
    tensorflow: str
    cuda: str
    cudnn: str
    and_cuda_extra: bool
    bundled: bool


class TensorflowData(DataFile):
    releases: tuple[TensorflowRelease, ...]


class JaxExtra(StrictData):
    extra: str
    cuda_major: int
    min_driver: str
    bundled: bool
    wheels: tuple[str, ...]


class JaxData(DataFile):
    extras: tuple[JaxExtra, ...]


_Model = TypeVar("_Model", bound=DataFile)


DATA_DIR_ENV = "REPROENV_DATA_DIR"


def load_data(name: str, model: type[_Model]) -> _Model:
    # A folder of newer or site-specific data files (a maintainer's refreshed copy, a company's
    # own CUDA images) replaces the bundled file of the same name.
    override = os.environ.get(DATA_DIR_ENV)
    path = Path(override) / name if override else None
    if path is not None and path.is_file():
        try:
            return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            raise bad_input(
                f"{path} is not a valid reproenv data file: {str(exc).splitlines()[0]}",
                reference="data-file-invalid",
                hint=f"fix it (the bundled {name} shows the format), or unset {DATA_DIR_ENV}",
                file=str(path),
            ) from None
    text = resources.files("reproenv.data").joinpath(name).read_text(encoding="utf-8")
    try:
        return model.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:  # a packaging mistake, not a user's
        raise RuntimeError(f"reproenv's data file {name} is invalid: {exc}") from exc


@cache
def cuda_drivers_data() -> CudaDrivers:
    return load_data("cuda_drivers.json", CudaDrivers)


@cache
def torch_data() -> TorchData:
    return load_data("torch.json", TorchData)


@cache
def compute_capability_data() -> ComputeCapabilities:
    return load_data("compute_capability.json", ComputeCapabilities)


@cache
def tensorflow_data() -> TensorflowData:
    return load_data("tensorflow.json", TensorflowData)


@cache
def jax_data() -> JaxData:
    return load_data("jax.json", JaxData)


# ---------------------------------------------------------------------------------------------
# versions


def parse_cuda(text: str) -> Cuda:
    """`"12.4"`, `"12.4.1"`, `"cu124"`, `"124"`, `"CUDA 12.4"` -> `(12, 4)`."""
    value = text.strip().lower().removeprefix("cuda").strip()
    if match := re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)*", value):
        return int(match[1]), int(match[2])
    # the wheel-tag spelling: the last digit is the minor (cu92, cu118, cu124, cu130)
    if match := re.fullmatch(r"cu(\d{2,3})|(\d{3})", value):
        digits = match[1] or match[2]
        return int(digits[:-1]), int(digits[-1])
    raise bad_input(
        f"{text!r} is not a CUDA version",
        reference="cuda-version-invalid",
        hint="write it as major.minor (12.4) or as a wheel tag (cu124)",
        cuda=text,
    )


def cuda_text(cuda: Cuda) -> str:
    return f"{cuda[0]}.{cuda[1]}"


def _driver_key(driver: str) -> DriverKey:
    if not re.fullmatch(r"\d+(\.\d+){0,2}", driver.strip()):
        raise bad_input(
            f"{driver!r} is not an NVIDIA driver version",
            reference="driver-version-invalid",
            hint="give it as nvidia-smi prints it, e.g. 535.183.01",
            driver=driver,
        )
    major, minor, patch = ([int(p) for p in driver.strip().split(".")] + [0, 0])[:3]
    return major, minor, patch


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


# ---------------------------------------------------------------------------------------------
# driver <-> CUDA


def _toolkit(cuda: Cuda) -> ToolkitDriver | None:
    return next(
        (t for t in cuda_drivers_data().toolkits if parse_cuda(t.cuda) == cuda),
        None,
    )


def _family(major: int) -> FamilyDriver | None:
    return next(
        (f for f in cuda_drivers_data().minor_version_compatibility if f.cuda_major == major),
        None,
    )


def _unknown_cuda(cuda: Cuda) -> ReproenvError:
    known = ", ".join(t.cuda for t in cuda_drivers_data().toolkits)
    return bad_input(
        f"CUDA {cuda_text(cuda)} is not in reproenv's driver table",
        reference="cuda-version-unknown",
        hint=f"known CUDA versions: {known}",
        cuda=cuda_text(cuda),
    )


def min_driver(cuda: Cuda) -> str:
    """The oldest Linux driver that runs `cuda` natively (the driver its toolkit shipped with)."""
    toolkit = _toolkit(cuda)
    if toolkit is None:
        raise _unknown_cuda(cuda)
    return toolkit.min_driver


def driver_max_cuda(driver: str) -> Cuda | None:
    """The newest CUDA in the table that `driver` runs natively (None: older than all of them)."""
    key = _driver_key(driver)
    runs = [
        parse_cuda(t.cuda) for t in cuda_drivers_data().toolkits if _driver_key(t.min_driver) <= key
    ]
    return max(runs, default=None)


def requirement(cuda: Cuda) -> str:
    """`"CUDA 12.8 needs driver ≥ 570.26, or ≥ 525.60.13 through CUDA 12.x minor-version …"`."""
    toolkit, family = _toolkit(cuda), _family(cuda[0])
    name = f"CUDA {cuda_text(cuda)}"
    if toolkit is None and family is not None:
        return (
            f"{name} needs driver ≥ {family.min_driver} "
            f"through CUDA {cuda[0]}.x minor-version compatibility"
        )
    if toolkit is None:
        raise _unknown_cuda(cuda)
    if family is None or _driver_key(family.min_driver) >= _driver_key(toolkit.min_driver):
        return f"{name} needs driver ≥ {toolkit.min_driver}"
    return (
        f"{name} needs driver ≥ {toolkit.min_driver}, "
        f"or ≥ {family.min_driver} through CUDA {cuda[0]}.x minor-version compatibility"
    )


Verdict = Literal["native", "minor-version-compatibility", "too-old"]


@dataclass(frozen=True)
class _Runs:
    verdict: Verdict
    reason: str

    @property
    def ok(self) -> bool:
        return self.verdict != "too-old"


def _supports(driver: str) -> str:
    top = driver_max_cuda(driver)
    if top is None:
        return f"driver {driver} is older than every CUDA 11+ toolkit"
    return f"driver {driver} supports CUDA {cuda_text(top)}"


def _never_next(driver: str, major: int) -> str:
    """`", never cu12x (needs ≥ 525.60.13)"` when the next CUDA major is beyond the driver."""
    nxt = _family(major + 1)
    if nxt is None or _driver_key(driver) >= _driver_key(nxt.min_driver):
        return ""
    return f", never cu{major + 1}x (needs ≥ {nxt.min_driver})"


def _runs(driver: str, cuda: Cuda, what: str) -> _Runs:
    """Whether `driver` runs `cuda`; `what` names the thing in the reason ("cu118", "CUDA 12.8")."""
    key = _driver_key(driver)
    toolkit, family = _toolkit(cuda), _family(cuda[0])
    if toolkit is None and family is None:
        raise _unknown_cuda(cuda)
    if toolkit is not None and key >= _driver_key(toolkit.min_driver):
        return _Runs(
            "native",
            f"driver {driver} runs {what} natively ({requirement(cuda)})",
        )
    if family is not None and key >= _driver_key(family.min_driver):
        newer = f"; natively ≥ {toolkit.min_driver}" if toolkit else ""
        return _Runs(
            "minor-version-compatibility",
            f"{_supports(driver)}; CUDA {cuda[0]}.x minor-version compatibility lets it run "
            f"{what} (needs ≥ {family.min_driver}{newer})"
            + _never_next(driver, cuda[0])
            + "; with a limited feature set: PTX built by a newer CUDA cannot be JIT-compiled "
            "by this driver",
        )
    return _Runs(
        "too-old", f"{_supports(driver)}, and {requirement(cuda)}, so it cannot run {what}"
    )


def driver_runs(driver: str, cuda: Cuda) -> tuple[bool, str]:
    """(ok, reason): natively (the exact-minor table) or through minor-version compatibility."""
    result = _runs(driver, cuda, f"CUDA {cuda_text(cuda)}")
    return result.ok, result.reason


def driver_verdict(driver: str, cuda: Cuda, what: str) -> tuple[Verdict, str]:
    """How `driver` runs `cuda` (native, through minor-version compatibility, not at all)."""
    result = _runs(driver, cuda, what)
    return result.verdict, result.reason


# ---------------------------------------------------------------------------------------------
# GPU architecture <-> build


def _arch_cc(arch: str) -> Cuda:
    """`"sm_120"` / `"compute_90"` -> `(12, 0)` / `(9, 0)`."""
    digits = arch.split("_", 1)[1]
    return int(digits[:-1]), int(digits[-1])


def _arch_name(cc: Cuda) -> str:
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


Coverage = Literal["sass", "ptx", "none"]


def _coverage(build: TorchBuild, cc: Cuda) -> Coverage:
    if any(major == cc[0] and minor <= cc[1] for major, minor in map(_arch_cc, build.archs)):
        return "sass"
    if any(_arch_cc(ptx) <= cc for ptx in build.ptx):
        return "ptx"
    return "none"


# ---------------------------------------------------------------------------------------------
# torch


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


def _torch_release(torch_version: str) -> tuple[Version, TorchRelease]:
    try:
        version = Version(torch_version)
    except InvalidVersion:
        raise bad_input(
            f"{torch_version!r} is not a torch version",
            reference="torch-version-invalid",
            hint="give it as pip does, e.g. 2.4.1",
            torch=torch_version,
        ) from None
    release = _release_of(version)
    if release is None:
        raise bad_input(
            f"torch {version.major}.{version.minor} is not in reproenv's CUDA data "
            f"(it knows torch {torch_data_range()})",
            reference="torch-version-unknown",
            hint="upgrade reproenv, or refresh its data with scripts/update_compat_data.py",
            torch=torch_version,
        )
    return version, release


def torch_in_data(torch_version: str) -> bool:
    """Whether the data knows this torch release (its variants, CUDA and architectures)."""
    try:
        return _release_of(Version(torch_version)) is not None
    except InvalidVersion:
        return False


def _release_of(version: Version) -> TorchRelease | None:
    label = f"{version.major}.{version.minor}"
    return next((r for r in torch_data().releases if r.torch == label), None)


def torch_data_range() -> str:
    releases = torch_data().releases
    return f"{releases[0].torch} to {releases[-1].torch}"


def _name(release: TorchRelease, build: TorchBuild) -> str:
    if build.variant == release.default_wheel_same_as:
        return f"torch {release.torch}'s default PyPI wheel (CUDA {build.cuda})"
    return f"torch {release.torch}'s {build.variant} variant"


def _by_cuda_desc(builds: Iterable[TorchBuild]) -> list[TorchBuild]:
    return sorted(builds, key=lambda b: parse_cuda(b.cuda), reverse=True)


def _or_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _too_old(
    release: TorchRelease, driver: str, refused: Sequence[TorchBuild], version: str | None = None
) -> ReproenvError:
    """`cuda-driver-too-old`: which CUDA needs which driver, and what would run instead."""
    if len(refused) == 1:
        message = (
            f"{_name(release, refused[0])} cannot run on driver {driver}: "
            f"{requirement(parse_cuda(refused[0].cuda))}; {_supports(driver)}."
        )
    elif release.default in refused:
        # the user locked the default PyPI wheel: say what it bundles, then the other builds
        others = "; ".join(
            f"{b.variant}: {requirement(parse_cuda(b.cuda))}"
            for b in sorted(refused, key=lambda b: parse_cuda(b.cuda))
            if b != release.default
        )
        message = (
            f"{bundles(version or release.torch, parse_cuda(release.default.cuda))}; "
            f"{_supports(driver)}, and no other build of torch {release.torch} runs on it "
            f"({others})."
        )
    else:
        needs = "; ".join(
            f"{b.variant}: {requirement(parse_cuda(b.cuda))}"
            for b in sorted(refused, key=lambda b: parse_cuda(b.cuda))
        )
        message = (
            f"No build of torch {release.torch} runs on driver {driver}: {needs}; "
            f"{_supports(driver)}."
        )
    runnable = [
        b
        for b in _by_cuda_desc(release.variants)
        if b not in refused and _runs(driver, parse_cuda(b.cuda), b.variant).ok
    ]
    upgrade = min(
        (_driver_key(min_driver(parse_cuda(b.cuda))), min_driver(parse_cuda(b.cuda)))
        for b in refused
    )[1]
    if runnable:
        names = sorted((b.variant for b in runnable), key=parse_cuda)
        newest = runnable[0]
        how = _runs(driver, parse_cuda(newest.cuda), newest.variant).verdict
        through = (
            f" through CUDA {parse_cuda(newest.cuda)[0]}.x minor-version compatibility"
            if how == "minor-version-compatibility"
            else ""
        )
        hint = (
            f"use the {_or_list(names)} variant of torch {release.torch} "
            f"(index {torch_data().index_url.format(variant=newest.variant)}), which driver "
            f"{driver} runs{through}, or upgrade the driver to ≥ {upgrade}"
        )
    else:
        hint = _or_list(
            [*torch_options(driver, below=release.torch), f"upgrade the driver to ≥ {upgrade}"]
        )
    return bad_input(
        message,
        reference="cuda-driver-too-old",
        hint=hint,
        torch=release.torch,
        driver=driver,
        cuda=", ".join(b.cuda for b in refused),
    )


def bundles(torch_version: str, cuda: Cuda) -> str:
    """`"torch 2.15.0 bundles CUDA 13.2, which needs driver ≥ 595.45.04, or ≥ 580.65.06 …"`."""
    needs = requirement(cuda).removeprefix(f"CUDA {cuda_text(cuda)} ")
    return f"torch {torch_version} bundles CUDA {cuda_text(cuda)}, which {needs}"


def lowest_driver(cuda: Cuda) -> str:
    """The oldest driver that runs `cuda` at all: its major's minor-version compatibility floor
    where there is one, else the driver its toolkit shipped with."""
    family = _family(cuda[0])
    return family.min_driver if family is not None else min_driver(cuda)


def torch_options(driver: str, *, below: str) -> list[str]:
    """What a spec can say to get a torch that runs on `driver`, for a torch release `below`
    (major.minor) whose builds it cannot run: `set cuda = "12.6" and pin torch<2.15 (…)`
    for the newest build it runs, `pin torch<2.11 (…)` for the newest default PyPI wheel."""
    releases = sorted(torch_data().releases, key=lambda r: version_key(r.torch))
    older = [r for r in releases if version_key(r.torch) < version_key(below)]

    def runs(build: TorchBuild) -> bool:
        return _runs(driver, parse_cuda(build.cuda), build.variant).ok

    def pin(release: TorchRelease) -> str:
        after = next(
            (r for r in releases if version_key(r.torch) > version_key(release.torch)), None
        )
        return f"pin torch<{after.torch if after else below}"

    options: list[str] = []
    newest = next(
        ((r, b) for r in reversed(older) for b in _by_cuda_desc(r.variants) if runs(b)), None
    )
    if newest is not None and not _is_default(*newest):
        rel, build = newest
        options.append(
            f'set cuda = "{build.cuda}" and {pin(rel)} (torch {rel.torch}\'s {build.variant} '
            f"build, which driver {driver} runs)"
        )
    default = next((r for r in reversed(older) if runs(r.default)), None)
    if default is not None:
        options.append(
            f"{pin(default)} (torch {default.torch}'s default PyPI wheel, CUDA "
            f"{default.default.cuda}, runs on it)"
        )
    return options


def _what_has_kernels(release: TorchRelease, cc: Cuda) -> str:
    """Where kernels for `cc` can be had: this release's other variants, a later or older one."""
    same = [b.variant for b in _by_cuda_desc(release.variants) if _coverage(b, cc) == "sass"]
    if same:
        return f"torch {release.torch}'s {_or_list(same)} variant has them"
    releases = sorted(torch_data().releases, key=lambda r: version_key(r.torch))
    covering = [(rel, [b for b in rel.variants if _coverage(b, cc) == "sass"]) for rel in releases]
    covering = [(rel, builds) for rel, builds in covering if builds]
    later = [c for c in covering if version_key(c[0].torch) > version_key(release.torch)]
    if later:
        rel, builds = later[0]
        low = min(builds, key=lambda b: parse_cuda(b.cuda))
        return f"it needs torch ≥ {rel.torch} with CUDA ≥ {low.cuda} ({low.variant})"
    if covering:
        rel, builds = covering[-1]
        names = _or_list(sorted((b.variant for b in builds), key=parse_cuda))
        return f"the last torch release with kernels for it is {rel.torch} ({names})"
    return "no torch build in reproenv's data has kernels for it"


def _gpu_warnings(release: TorchRelease, build: TorchBuild, cc: Cuda | None) -> tuple[str, ...]:
    if cc is None:
        return ()
    coverage = _coverage(build, cc)
    if coverage == "sass":
        return ()
    name = _name(release, build)
    if coverage == "ptx":
        ptx = ", ".join(build.ptx)
        return (
            f"{name} ships no machine code for {_arch_name(cc)}: it runs only by JIT-compiling "
            f"its {ptx} PTX on first use (a slow start), and libraries it bundles may lack "
            f"kernels for it; for machine code, {_what_has_kernels(release, cc)}",
        )
    return (f"{name} ships no kernels for {_arch_name(cc)}: {_what_has_kernels(release, cc)}",)


def _pick_for_gpu(candidates: Sequence[TorchBuild], cc: Cuda | None) -> TorchBuild:
    """The first candidate with machine code for the GPU, else with PTX for it, else the first."""
    if cc is not None:
        for wanted in ("sass", "ptx"):
            for build in candidates:
                if _coverage(build, cc) == wanted:
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
    version, release = _torch_release(torch_version)
    if driver is not None:
        _driver_key(driver)  # a malformed driver is the user's mistake, reported as such
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
        also = f"; torch {_or_list(publish)} publish it" if publish else ""
        raise bad_input(
            f"torch {release.torch} publishes no CUDA {cuda_text(wanted)} build: its "
            f"variants are {', '.join(b.variant for b in release.variants)}",
            reference="torch-cuda-variant-unavailable",
            hint=f"choose one of those{also}",
            torch=release.torch,
            cuda=cuda_text(wanted),
        )
    if not _is_default(release, build) and not variant_allowed:
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
    if driver is None:
        return _choice(
            version, release, build, f"{why}{_name(release, build)}; {_no_driver(build)}", cc
        )
    runs = _runs(driver, parse_cuda(build.cuda), _short(release, build))
    if not runs.ok:
        raise _too_old(release, driver, [build])
    return _choice(version, release, build, f"{why}{_name(release, build)}; {runs.reason}", cc)


def _free_choice(
    version: Version, release: TorchRelease, driver: str | None, cc: Cuda | None
) -> CudaChoice:
    default = release.default
    candidates = [default, *(b for b in _by_cuda_desc(release.variants) if b != default)]
    if driver is not None:
        runnable = [b for b in candidates if _runs(driver, parse_cuda(b.cuda), b.variant).ok]
        if not runnable:
            raise _too_old(release, driver, _by_cuda_desc(release.variants), str(version))
        candidates = runnable
    build = _pick_for_gpu(candidates, cc)
    if driver is None:
        how = _no_driver(build)
    else:
        how = _runs(driver, parse_cuda(build.cuda), _short(release, build)).reason
    if _is_default(release, build):
        reason = f"{_name(release, build)}; {how}"
    elif default in candidates and cc is not None:  # chosen for the GPU's sake
        reason = (
            f"{_name(release, default)} ships no kernels for {_arch_name(cc)}; "
            f"{build.variant} is the newest variant {_that_does(build, cc)}: {how}"
        )
    else:
        reason = (
            f"{_name(release, default)} needs a newer driver "
            f"({requirement(parse_cuda(default.cuda))}); {build.variant} is the newest variant "
            f"driver {driver} runs: {how}"
        )
    return _choice(version, release, build, reason, cc)


def _is_default(release: TorchRelease, build: TorchBuild) -> bool:
    return build.variant == release.default_wheel_same_as


def _short(release: TorchRelease, build: TorchBuild) -> str:
    return f"CUDA {build.cuda}" if _is_default(release, build) else build.variant


def _no_driver(build: TorchBuild) -> str:
    return (
        f"no NVIDIA driver was given, so the host that runs it must meet this: "
        f"{requirement(parse_cuda(build.cuda))}"
    )


def _that_does(build: TorchBuild, cc: Cuda | None) -> str:
    return "with PTX for it" if cc is not None and _coverage(build, cc) == "ptx" else "that does"


def _choice(
    version: Version, release: TorchRelease, build: TorchBuild, reason: str, cc: Cuda | None
) -> CudaChoice:
    is_default = _is_default(release, build)
    return CudaChoice(
        framework="torch",
        framework_version=version.public,
        variant=None if is_default else build.variant,
        cuda=parse_cuda(build.cuda),
        index_url=None if is_default else torch_data().index_url.format(variant=build.variant),
        reason=reason,
        warnings=_gpu_warnings(release, build, cc),
    )
