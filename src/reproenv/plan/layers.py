"""The image's dependency layers: the locked pip packages of one platform grouped by weight, the
heaviest and most stable first, so that adding, removing or moving a small package rebuilds only
the last layer. Pure and deterministic: the same lock gives the same layers, in the same order.

A framework and the wheels it loads at run time are one group (torch with its `nvidia-*` CUDA
wheels and triton; tensorflow's and jax's packages), so a CUDA upgrade is one layer; any other
package at least `HEAVY_BYTES` is a layer of its own; the packages of `MEDIUM_BYTES` and more
that remain (scikit-learn, pandas, pillow: a second or more each to install and compile) share the
layer before the last; everything else is the last layer, a few seconds' work at most however many
small packages it holds. Sizes are the index's (the lock's `size`); a file without one counts as
small, except a framework by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from reproenv.lock.model import LockedFile, LockedPipPackage
from reproenv.lock.pip.pylock import preferred_wheel
from reproenv.spec.requirements import canonical_name

HEAVY_BYTES = 10_000_000  # its own layer from here (numpy, scipy, pyarrow): seconds to install
MEDIUM_BYTES = 1_000_000  # from here in the mid-weight layer, not among the small packages
MAX_LAYERS = 8  # heavy groups beyond it fold into the mid-weight layer (a few, not dozens)
# the CUDA runtime as wheels: with the first framework the lock has, else a group of their own
CUDA_WHEELS = ("nvidia-*", "cuda-*")
# framework -> the canonical names (fnmatch patterns) of the packages pinned with it
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("torch", ("torch", "torchvision", "torchaudio", "triton", *CUDA_WHEELS)),
    ("tensorflow", ("tensorflow", "tensorflow-*", "tensorboard", "tf-keras", *CUDA_WHEELS)),
    ("jax", ("jax", "jaxlib", "jax-cuda*", *CUDA_WHEELS)),
)
REST = "the rest"
MEDIUM = "mid-weight"
CUDA = "CUDA wheels"
Sizes = dict[str, int | None]  # canonical name -> bytes the platform installs (None: unknown)


@dataclass(frozen=True)
class WeightGroup:
    name: str  # the group's lead package, or REST
    packages: tuple[str, ...]  # canonical names, sorted
    size: int  # bytes of the files the platform installs, as far as the lock knows them
    reason: str  # why this group is a layer of its own, for `generate --explain`
    unknown_sizes: int = 0  # how many of its packages the lock has no size for


def group_by_weight(
    packages: Iterable[LockedPipPackage], python: str, platform: str
) -> tuple[WeightGroup, ...]:
    """The groups, in install order; empty when the platform has no pip packages."""
    sizes = {
        canonical_name(p.name): _installed_size(p, python, platform)
        for p in packages
        if platform in p.platforms
    }
    grouped: dict[str, list[str]] = {}
    for name in sorted(sizes):
        grouped.setdefault(_group_of(name, sizes), []).append(name)
    heavy = [
        _layer(lead, names, sizes)
        for lead, names in grouped.items()
        if lead != REST and (_is_family(lead) or _size(names, sizes) >= HEAVY_BYTES)
    ]
    heavy.sort(key=lambda layer: (-layer.size, layer.name))
    grouped_names = {name for layer in heavy for name in layer.packages}
    light = sorted(name for name in sizes if name not in grouped_names)
    small = [name for name in light if _size([name], sizes) < MEDIUM_BYTES]
    medium = [name for name in light if name not in small]
    slots = MAX_LAYERS - (1 if small else 0)
    if medium or len(heavy) > slots:
        slots -= 1  # the mid-weight layer, which takes the heavy groups past the cap too
    kept, folded = heavy[:slots], heavy[slots:]
    medium = sorted({*medium, *(name for layer in folded for name in layer.packages)})
    if medium:
        kept.append(_medium(medium, sizes, len(folded)))
    if small:
        kept.append(_rest(small, sizes))
    return tuple(kept)


def _installed_size(package: LockedPipPackage, python: str, platform: str) -> int | None:
    """The size of the file pip installs for this platform (its preferred wheel, else the
    sdist); None when the lock does not know it."""
    wheels = {wheel.name: wheel for wheel in package.wheels}
    chosen = preferred_wheel(wheels, python, platform) if wheels else None
    file: LockedFile | None = wheels[chosen] if chosen is not None else package.sdist
    return file.size if file is not None else None


def _group_of(name: str, sizes: Sizes) -> str:
    for framework, patterns in FAMILIES:
        if framework in sizes and any(fnmatchcase(name, p) for p in patterns):
            return framework
    if any(fnmatchcase(name, p) for p in CUDA_WHEELS):
        return CUDA
    weight = _size([name], sizes)
    return name if weight >= HEAVY_BYTES else REST


def _is_family(lead: str) -> bool:
    return lead == CUDA or any(lead == framework for framework, _ in FAMILIES)


def _size(names: Iterable[str], sizes: Sizes) -> int:
    return sum(sizes[n] or 0 for n in names)


def _unknown(names: Iterable[str], sizes: Sizes) -> int:
    return sum(1 for n in names if sizes[n] is None)


def _layer(lead: str, names: list[str], sizes: Sizes) -> WeightGroup:
    size = _size(names, sizes)
    if lead == CUDA:
        reason = f"the CUDA wheels ({len(names)}), which change only with CUDA"
    elif _is_family(lead):
        others = len(names) - 1
        reason = f"{lead} and the {others} packages it loads at run time" if others else lead
        reason += ", which change together"
    else:
        reason = f"{_mb(size)} on its own (at least {_mb(HEAVY_BYTES)})"
    return WeightGroup(
        lead,
        tuple(names),
        size,
        reason,
        _unknown(names, sizes),
    )


def _medium(names: list[str], sizes: Sizes, folded: int) -> WeightGroup:
    reason = (
        f"{len(names)} packages of {_mb(MEDIUM_BYTES)} to {_mb(HEAVY_BYTES)}: before the small "
        "ones, so adding or moving a small package leaves them"
    )
    if folded:
        reason += f" (with the {folded} lightest heavy groups past {MAX_LAYERS} layers)"
    return WeightGroup(MEDIUM, tuple(names), _size(names, sizes), reason, _unknown(names, sizes))


def _rest(names: list[str], sizes: Sizes) -> WeightGroup:
    reason = (
        f"{len(names)} packages under {_mb(MEDIUM_BYTES)} each: last, so a small change "
        "rebuilds only this layer"
    )
    return WeightGroup(REST, tuple(names), _size(names, sizes), reason, _unknown(names, sizes))


def _mb(size: int) -> str:
    return f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
