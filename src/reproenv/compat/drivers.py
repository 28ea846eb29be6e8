"""Which CUDA an NVIDIA driver runs, by NVIDIA's rules as `data/cuda_drivers.json` describes them:
a driver runs a CUDA natively when it is at least the driver that CUDA's toolkit shipped with (and
every later driver keeps running it), and from CUDA 11 on it runs any minor of a CUDA major
through *minor-version compatibility* when it is at least that major's floor, with a limited
feature set (PTX built by a newer toolkit cannot be JIT-compiled on it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reproenv.compat.data_files import cuda_drivers_data
from reproenv.compat.schema import FamilyDriver, ToolkitDriver
from reproenv.compat.versions import Cuda, cuda_text, driver_key, parse_cuda
from reproenv.errors import ReproenvError, bad_input

Verdict = Literal["native", "minor-version-compatibility", "too-old"]


def toolkit_of(cuda: Cuda) -> ToolkitDriver | None:
    return next(
        (t for t in cuda_drivers_data().toolkits if parse_cuda(t.cuda) == cuda),
        None,
    )


def family_of(major: int) -> FamilyDriver | None:
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
    toolkit = toolkit_of(cuda)
    if toolkit is None:
        raise _unknown_cuda(cuda)
    return toolkit.min_driver


def lowest_driver(cuda: Cuda) -> str:
    """The oldest driver that runs `cuda` at all: its major's minor-version compatibility floor
    where there is one, else the driver its toolkit shipped with."""
    family = family_of(cuda[0])
    return family.min_driver if family is not None else min_driver(cuda)


def driver_max_cuda(driver: str) -> Cuda | None:
    """The newest CUDA in the table that `driver` runs natively (None: older than all of them)."""
    key = driver_key(driver)
    runs = [
        parse_cuda(t.cuda) for t in cuda_drivers_data().toolkits if driver_key(t.min_driver) <= key
    ]
    return max(runs, default=None)


def requirement(cuda: Cuda) -> str:
    """`"CUDA 12.8 needs driver ≥ 570.26, or ≥ 525.60.13 through CUDA 12.x minor-version …"`."""
    toolkit, family = toolkit_of(cuda), family_of(cuda[0])
    name = f"CUDA {cuda_text(cuda)}"
    if toolkit is None and family is not None:
        return (
            f"{name} needs driver ≥ {family.min_driver} "
            f"through CUDA {cuda[0]}.x minor-version compatibility"
        )
    if toolkit is None:
        raise _unknown_cuda(cuda)
    if family is None or driver_key(family.min_driver) >= driver_key(toolkit.min_driver):
        return f"{name} needs driver ≥ {toolkit.min_driver}"
    return (
        f"{name} needs driver ≥ {toolkit.min_driver}, "
        f"or ≥ {family.min_driver} through CUDA {cuda[0]}.x minor-version compatibility"
    )


@dataclass(frozen=True)
class Runs:
    verdict: Verdict
    reason: str

    @property
    def ok(self) -> bool:
        return self.verdict != "too-old"


def supports(driver: str) -> str:
    top = driver_max_cuda(driver)
    if top is None:
        return f"driver {driver} is older than every CUDA 11+ toolkit"
    return f"driver {driver} supports CUDA {cuda_text(top)}"


def _never_next(driver: str, major: int) -> str:
    """`", never cu12x (needs ≥ 525.60.13)"` when the next CUDA major is beyond the driver."""
    nxt = family_of(major + 1)
    if nxt is None or driver_key(driver) >= driver_key(nxt.min_driver):
        return ""
    return f", never cu{major + 1}x (needs ≥ {nxt.min_driver})"


def runs(driver: str, cuda: Cuda, what: str) -> Runs:
    """Whether `driver` runs `cuda`; `what` names the thing in the reason ("cu118", "CUDA 12.8")."""
    key = driver_key(driver)
    toolkit, family = toolkit_of(cuda), family_of(cuda[0])
    if toolkit is None and family is None:
        raise _unknown_cuda(cuda)
    if toolkit is not None and key >= driver_key(toolkit.min_driver):
        return Runs(
            "native",
            f"driver {driver} runs {what} natively ({requirement(cuda)})",
        )
    if family is not None and key >= driver_key(family.min_driver):
        newer = f"; natively ≥ {toolkit.min_driver}" if toolkit else ""
        return Runs(
            "minor-version-compatibility",
            f"{supports(driver)}; CUDA {cuda[0]}.x minor-version compatibility lets it run "
            f"{what} (needs ≥ {family.min_driver}{newer})"
            + _never_next(driver, cuda[0])
            + "; with a limited feature set: PTX built by a newer CUDA cannot be JIT-compiled "
            "by this driver",
        )
    return Runs("too-old", f"{supports(driver)}, and {requirement(cuda)}, so it cannot run {what}")


def driver_runs(driver: str, cuda: Cuda) -> tuple[bool, str]:
    """(ok, reason): natively (the exact-minor table) or through minor-version compatibility."""
    result = runs(driver, cuda, f"CUDA {cuda_text(cuda)}")
    return result.ok, result.reason


def driver_verdict(driver: str, cuda: Cuda, what: str) -> tuple[Verdict, str]:
    """How `driver` runs `cuda` (native, through minor-version compatibility, not at all)."""
    result = runs(driver, cuda, what)
    return result.verdict, result.reason
