"""torch's releases in `data/torch.json`: finding one, naming its builds, what kernels they ship
for a GPU, and what a spec can say when the driver runs none of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.version import InvalidVersion, Version

from reproenv.compat.arch import arch_name, coverage
from reproenv.compat.data_files import torch_data
from reproenv.compat.drivers import min_driver, requirement, runs, supports
from reproenv.compat.schema import TorchBuild, TorchRelease
from reproenv.compat.versions import Cuda, cuda_text, driver_key, parse_cuda, version_key
from reproenv.errors import ReproenvError, bad_input


def torch_release(torch_version: str) -> tuple[Version, TorchRelease]:
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


def build_name(release: TorchRelease, build: TorchBuild) -> str:
    if build.variant == release.default_wheel_same_as:
        return f"torch {release.torch}'s default PyPI wheel (CUDA {build.cuda})"
    return f"torch {release.torch}'s {build.variant} variant"


def is_default(release: TorchRelease, build: TorchBuild) -> bool:
    return build.variant == release.default_wheel_same_as


def by_cuda_desc(builds: Iterable[TorchBuild]) -> list[TorchBuild]:
    return sorted(builds, key=lambda b: parse_cuda(b.cuda), reverse=True)


def or_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def bundles(torch_version: str, cuda: Cuda) -> str:
    """`"torch 2.15.0 bundles CUDA 13.2, which needs driver ≥ 595.45.04, or ≥ 580.65.06 …"`."""
    needs = requirement(cuda).removeprefix(f"CUDA {cuda_text(cuda)} ")
    return f"torch {torch_version} bundles CUDA {cuda_text(cuda)}, which {needs}"


def too_old(
    release: TorchRelease, driver: str, refused: Sequence[TorchBuild], version: str | None = None
) -> ReproenvError:
    """`cuda-driver-too-old`: which CUDA needs which driver, and what would run instead."""
    return bad_input(
        _too_old_message(release, driver, refused, version),
        reference="cuda-driver-too-old",
        hint=_too_old_hint(release, driver, refused),
        torch=release.torch,
        driver=driver,
        cuda=", ".join(b.cuda for b in refused),
    )


def _too_old_message(
    release: TorchRelease, driver: str, refused: Sequence[TorchBuild], version: str | None
) -> str:
    if len(refused) == 1:
        return (
            f"{build_name(release, refused[0])} cannot run on driver {driver}: "
            f"{requirement(parse_cuda(refused[0].cuda))}; {supports(driver)}."
        )
    if release.default in refused:
        # the user locked the default PyPI wheel: say what it bundles, then the other builds
        others = "; ".join(
            f"{b.variant}: {requirement(parse_cuda(b.cuda))}"
            for b in sorted(refused, key=lambda b: parse_cuda(b.cuda))
            if b != release.default
        )
        return (
            f"{bundles(version or release.torch, parse_cuda(release.default.cuda))}; "
            f"{supports(driver)}, and no other build of torch {release.torch} runs on it "
            f"({others})."
        )
    needs = "; ".join(
        f"{b.variant}: {requirement(parse_cuda(b.cuda))}"
        for b in sorted(refused, key=lambda b: parse_cuda(b.cuda))
    )
    return (
        f"No build of torch {release.torch} runs on driver {driver}: {needs}; {supports(driver)}."
    )


def _too_old_hint(release: TorchRelease, driver: str, refused: Sequence[TorchBuild]) -> str:
    runnable = [
        b
        for b in by_cuda_desc(release.variants)
        if b not in refused and runs(driver, parse_cuda(b.cuda), b.variant).ok
    ]
    upgrade = min(
        (driver_key(min_driver(parse_cuda(b.cuda))), min_driver(parse_cuda(b.cuda)))
        for b in refused
    )[1]
    if not runnable:
        return or_list(
            [*torch_options(driver, below=release.torch), f"upgrade the driver to ≥ {upgrade}"]
        )
    names = sorted((b.variant for b in runnable), key=parse_cuda)
    newest = runnable[0]
    how = runs(driver, parse_cuda(newest.cuda), newest.variant).verdict
    through = (
        f" through CUDA {parse_cuda(newest.cuda)[0]}.x minor-version compatibility"
        if how == "minor-version-compatibility"
        else ""
    )
    return (
        f"use the {or_list(names)} variant of torch {release.torch} "
        f"(index {torch_data().index_url.format(variant=newest.variant)}), which driver "
        f"{driver} runs{through}, or upgrade the driver to ≥ {upgrade}"
    )


def torch_options(driver: str, *, below: str) -> list[str]:
    """What a spec can say to get a torch that runs on `driver`, for a torch release `below`
    (major.minor) whose builds it cannot run: `set cuda = "12.6" and pin torch<2.15 (…)`
    for the newest build it runs, `pin torch<2.11 (…)` for the newest default PyPI wheel."""
    releases = sorted(torch_data().releases, key=lambda r: version_key(r.torch))
    older = [r for r in releases if version_key(r.torch) < version_key(below)]

    def runnable(build: TorchBuild) -> bool:
        return runs(driver, parse_cuda(build.cuda), build.variant).ok

    def pin(release: TorchRelease) -> str:
        after = next(
            (r for r in releases if version_key(r.torch) > version_key(release.torch)), None
        )
        return f"pin torch<{after.torch if after else below}"

    options: list[str] = []
    newest = next(
        ((r, b) for r in reversed(older) for b in by_cuda_desc(r.variants) if runnable(b)), None
    )
    if newest is not None and not is_default(*newest):
        rel, build = newest
        options.append(
            f'set cuda = "{build.cuda}" and {pin(rel)} (torch {rel.torch}\'s {build.variant} '
            f"build, which driver {driver} runs)"
        )
    default = next((r for r in reversed(older) if runnable(r.default)), None)
    if default is not None:
        options.append(
            f"{pin(default)} (torch {default.torch}'s default PyPI wheel, CUDA "
            f"{default.default.cuda}, runs on it)"
        )
    return options


def _what_has_kernels(release: TorchRelease, cc: Cuda) -> str:
    """Where kernels for `cc` can be had: this release's other variants, a later or older one."""
    same = [b.variant for b in by_cuda_desc(release.variants) if coverage(b, cc) == "sass"]
    if same:
        return f"torch {release.torch}'s {or_list(same)} variant has them"
    releases = sorted(torch_data().releases, key=lambda r: version_key(r.torch))
    covering = [(rel, [b for b in rel.variants if coverage(b, cc) == "sass"]) for rel in releases]
    covering = [(rel, builds) for rel, builds in covering if builds]
    later = [c for c in covering if version_key(c[0].torch) > version_key(release.torch)]
    if later:
        rel, builds = later[0]
        low = min(builds, key=lambda b: parse_cuda(b.cuda))
        return f"it needs torch ≥ {rel.torch} with CUDA ≥ {low.cuda} ({low.variant})"
    if covering:
        rel, builds = covering[-1]
        names = or_list(sorted((b.variant for b in builds), key=parse_cuda))
        return f"the last torch release with kernels for it is {rel.torch} ({names})"
    return "no torch build in reproenv's data has kernels for it"


def gpu_warnings(release: TorchRelease, build: TorchBuild, cc: Cuda | None) -> tuple[str, ...]:
    """What a build lacks for the GPU: machine code (it runs on PTX alone) or any kernels."""
    if cc is None:
        return ()
    covered = coverage(build, cc)
    if covered == "sass":
        return ()
    name = build_name(release, build)
    if covered == "ptx":
        ptx = ", ".join(build.ptx)
        return (
            f"{name} ships no machine code for {arch_name(cc)}: it runs only by JIT-compiling "
            f"its {ptx} PTX on first use (a slow start), and libraries it bundles may lack "
            f"kernels for it; for machine code, {_what_has_kernels(release, cc)}",
        )
    return (f"{name} ships no kernels for {arch_name(cc)}: {_what_has_kernels(release, cc)}",)
