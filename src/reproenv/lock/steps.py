"""`Spec` -> `Lock` as an ordered list of named steps, each with the reason for its place.

A step reads and fills one `_Resolution`; `resolve` runs them in order and assembles the lock.
A second ecosystem's locker (conda) is a step of its own beside the pip one.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv import __version__
from reproenv.errors import ReproenvError
from reproenv.lock.base_images import kept_images as _kept_images
from reproenv.lock.base_images import locked_images as _locked_images
from reproenv.lock.base_images import resolve_images as _resolve_images
from reproenv.lock.beside import import_later_steps, once_running
from reproenv.lock.inputs import input_hash
from reproenv.lock.locker import NO_UPGRADE, Locked, LockRequest, Upgrade
from reproenv.lock.model import (
    Lock,
    LockedAptPackage,
    LockedFeature,
    LockedGpu,
    LockedImage,
    LockedPipPackage,
)
from reproenv.lock.pip.locker import PipLocker, backend_named
from reproenv.lock.pip.packages import refuse_source_only
from reproenv.lock.pip.uv_early import early_run_waiting
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from reproenv.oci.client import RegistryClient, ResolvedImage


@dataclass
class _Resolution:
    """What the steps know so far; each step fills its part."""

    spec: Spec
    registry: RegistryClient | None
    request: LockRequest
    pip_locker: PipLocker
    conda_lock: bool = False  # `--backend conda-lock` solves the environment files
    input_hash: str = ""
    kept_images: tuple[LockedImage, ...] | None = None  # the previous digests, still right
    spec_images: tuple[LockedImage, ...] | None = None  # the spec's base, once looked up
    lookup: Future[list[ResolvedImage]] | None = None  # the spec's base, being looked up
    conda: Locked = field(default_factory=lambda: Locked({}))
    scratch: Path | None = None  # the pip part of an environment file, as uv's input
    conda_provided: frozenset[str] = frozenset()  # what conda installs: not pinned for pip
    conda_pip: tuple[LockedPipPackage, ...] = ()  # a conda lock file's pip pins, kept as they are
    pip: Locked = field(default_factory=lambda: Locked({}))
    gpu: LockedGpu | None = None
    images: tuple[LockedImage, ...] = ()
    python_apt: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    apt: tuple[LockedAptPackage, ...] = ()
    image_installer: tuple[LockedPipPackage, ...] = ()
    dev: tuple[LockedPipPackage, ...] = ()  # the devcontainer's dev group, beside the pins
    features: tuple[LockedFeature, ...] = ()  # the devcontainer's Features, by digest

    @property
    def base(self) -> str | None:
        """The CUDA base the GPU decision chose, if any."""
        return self.gpu.base_image if self.gpu is not None else None


@dataclass(frozen=True)
class Step:
    name: str
    reason: str  # why it stands where it does
    run: Callable[[_Resolution], None]


def resolve(
    spec: Spec,
    ca_cert: Path | None,
    registry: RegistryClient | None = None,
    *,
    previous: Lock | None = None,
    upgrade: Upgrade = NO_UPGRADE,
    backend: str = "uv",
) -> Lock:
    """Resolve the spec; pins of `previous` that still satisfy the inputs are kept.
    `backend` is `--backend`'s: uv, pip-tools, or conda-lock (with the previous pip backend)."""
    from reproenv.lock.backends import split_backend

    pip_backend, conda_lock = split_backend(backend, previous)
    if conda_lock:  # before any tool runs
        from reproenv.lock.conda.condalock import refuse_unsolvable

        refuse_unsolvable(spec)
    request = LockRequest(spec, spec.platforms, previous, upgrade, ca_cert)
    locker = PipLocker(backend_named(pip_backend))
    state = _Resolution(spec, registry, request, locker, conda_lock=conda_lock)
    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        state.scratch = Path(scratch)
        for step in STEPS:
            step.run(state)
    return Lock(
        reproenv_version=__version__,
        input_hash=state.input_hash,
        python=spec.python,
        platforms=spec.platforms,
        images=state.images,
        apt_requested=tuple(sorted({*spec.apt_packages, *state.python_apt})),
        apt_snapshot=spec.apt_snapshot,
        apt_packages=state.apt,
        python_apt=tuple(sorted(state.python_apt)),
        gpu=state.gpu,
        warnings=(*state.conda.warnings, *state.pip.warnings, *state.warnings),
        image_installer=state.image_installer,
        dev_packages=state.dev,
        devcontainer_features=state.features,
        **state.conda.section,
        **state.pip.section,
    )


def _conda_only(state: _Resolution) -> None:
    from reproenv.lock.conda.pip_part import refuse_conda_only

    refuse_conda_only(state.spec)


def _conda(state: _Resolution) -> None:
    if state.spec.conda is None:
        return
    from reproenv.lock.conda.locker import CondaLocker
    from reproenv.lock.conda.pip_inputs import with_pip_part
    from reproenv.lock.conda.pip_part import check_conda_pip

    check_conda_pip(state.spec)  # before any solve: a line pip cannot lock names itself
    locked = CondaLocker(conda_lock=state.conda_lock).lock(state.request)
    section = dict(locked.section)
    state.conda_pip = section.pop("pip_packages", ())  # the pip section's, merged by _pip
    state.conda = replace(locked, section=section)
    records = section.get("conda_packages", ())
    if records and state.scratch is not None:
        pins = state.conda_pip
        spec, state.conda_provided = with_pip_part(state.spec, records, state.scratch, pins)
        state.spec, state.request = spec, replace(state.request, spec=spec)


def _inputs(state: _Resolution) -> None:
    state.input_hash = input_hash(state.spec)  # of the spec as written: `lock --check` agrees
    _expand_catalog_base(state)
    if not state.request.upgrade.everything:
        state.kept_images = _kept_images(state.spec, state.request.previous)


def _expand_catalog_base(state: _Resolution) -> None:
    from reproenv.lock.base_catalog import expand_base, is_catalog_name

    if is_catalog_name(state.spec.base_image):
        base = expand_base(state.spec.base_image)
        spec = state.spec.model_copy(update={"base_image": base})
        state.spec, state.request = spec, replace(state.request, spec=spec)


def _digests_before_pip(state: _Resolution) -> None:
    if not state.pip_locker.needs_base:
        return
    state.spec_images = state.kept_images or _locked_images(
        _resolve_images(state.spec, state.registry)
    )
    images = {image.platform: image for image in state.spec_images}
    state.request = replace(state.request, images=images)


def _pip(state: _Resolution) -> None:
    previous = state.request.previous
    # a lock on a CUDA base will likely stay on it: the spec's base is then looked up only
    # if the decision changes
    on_cuda_base = previous is not None and previous.gpu is not None and previous.gpu.base_image
    known = state.spec_images is not None or state.kept_images or on_cuda_base
    from reproenv.lock.build_tools import may_need_image_installer, needs_image_installer

    running = threading.Event()  # the resolver runs, or the locker ran none
    resolver_ran = threading.Event()

    def started() -> None:
        resolver_ran.set()
        running.set()

    request = replace(state.request, started=started)
    if early_run_waiting():  # uv already resolves (uv_early.py): nothing left to start first
        started()
    with ThreadPoolExecutor(max_workers=3) as pool:
        # uv for the image is pinned beside the project's resolver, both waiting on the index,
        # once that runs (an input used as it is needs no index); kept if the pins leave
        # something to install (a GPU variant's re-resolve never empties them)
        installer = (
            pool.submit(once_running, running, _installer_beside, resolver_ran, state.request)
            if may_need_image_installer(state.spec)
            else None
        )
        # the later steps' modules and the base's lookup load while the resolver waits, but
        # only once it runs, so that they do not hold the interpreter while it is being started
        pool.submit(once_running, running, import_later_steps)
        if not known:
            state.lookup = pool.submit(
                once_running, running, _resolve_images, state.spec, state.registry
            )
        try:
            state.pip = _pip_locked(state, request)
        finally:
            running.set()
        if needs_image_installer(state.spec, state.pip.section):
            pinned = installer.result() if installer is not None else None
            state.image_installer = (
                _pin_image_installer(state.request) if pinned is None else pinned
            )


def _installer_beside(
    resolver_ran: threading.Event, request: LockRequest
) -> tuple[LockedPipPackage, ...] | None:
    """uv for the image, if the project's resolver ran; None: pinned after the pins, if at all."""
    return _pin_image_installer(request) if resolver_ran.is_set() else None


def _pip_locked(state: _Resolution, request: LockRequest) -> Locked:
    """The pip section, without what the conda environment already installs, with a conda
    lock file's pip pins in place of what pip resolved for their names."""
    locked = state.pip_locker.lock(request)
    if not state.conda_provided and not state.conda_pip:
        return locked
    packages = locked.section["pip_packages"]
    kept = tuple(p for p in packages if p.name not in state.conda_provided)
    if state.conda_pip:
        from reproenv.lock.conda.pip_pins import with_pins

        kept = with_pins(kept, state.conda_pip)
    return replace(locked, section={**locked.section, "pip_packages": kept})


def _gpu(state: _Resolution) -> None:
    from reproenv.lock.gpu import VariantNeeded, decide_gpu

    conda = state.conda.section.get("conda_packages", ())
    try:
        state.gpu = decide_gpu(state.spec, state.pip.section["pip_packages"], conda=conda)
        return
    except VariantNeeded as needed:
        if not state.pip_locker.backend.variant_indexes:
            raise needed.as_error() from None
        variant = needed
    upgrade = state.request.upgrade
    state.request = replace(
        state.request,
        upgrade=Upgrade(upgrade.everything, (*upgrade.packages, *variant.packages)),
        variant_indexes=(variant.index_url(),),
    )
    try:
        state.pip = _pip_locked(state, state.request)
    except ReproenvError as error:
        raise variant.as_error(error) from None
    try:
        state.gpu = decide_gpu(state.spec, state.pip.section["pip_packages"], conda=conda)
    except VariantNeeded as still:  # the index did not have the build either
        raise still.as_error() from None


def _dev_group(state: _Resolution) -> None:
    from reproenv.lock.pip.dev import lock_dev_group

    state.dev = lock_dev_group(state.request, state.pip.section["pip_packages"])


def _features(state: _Resolution) -> None:
    from reproenv.lock.features import lock_features

    upgrade = state.request.upgrade.everything
    state.features = lock_features(state.spec, state.request.previous, upgrade=upgrade)


def _pin_image_installer(request: LockRequest) -> tuple[LockedPipPackage, ...]:
    from reproenv.lock.build_tools import pin_image_installer

    return pin_image_installer(request)


def _base_digests(state: _Resolution) -> None:
    if state.base:
        previous, upgrade = state.request.previous, state.request.upgrade
        kept = None if upgrade.everything else _kept_images(state.spec, previous, state.base)
        state.images = kept or _locked_images(
            _resolve_images(state.spec, state.registry, state.base)
        )
    elif state.kept_images or state.spec_images:
        state.images = state.kept_images or state.spec_images or ()
    else:
        lookup, spec, registry = state.lookup, state.spec, state.registry
        state.images = _locked_images(
            lookup.result() if lookup else _resolve_images(spec, registry)
        )


def _python_apt(state: _Resolution) -> None:
    spec = state.spec
    if state.base or not spec.base_is_default:
        from reproenv.detect.cuda_base import python_on_base

        state.python_apt = python_on_base(state.base or spec.base_image, spec.python)


def _only_wheels(state: _Resolution) -> None:
    if state.spec.only_wheels:
        refuse_source_only(state.spec, state.pip.section["pip_packages"])


def _base_python(state: _Resolution) -> None:
    if state.base or state.spec.base_is_default or state.python_apt:
        return
    from reproenv.lock.base_python import check_base_python

    previous = state.request.previous
    state.warnings = check_base_python(state.spec, state.images, state.registry, previous)


def _apt(state: _Resolution) -> None:
    requested = tuple(sorted({*state.spec.apt_packages, *state.python_apt}))
    from reproenv.lock.apt import apt_pins

    previous = state.request.previous
    reuse = None if state.request.upgrade.everything else previous
    state.apt = apt_pins(state.spec, reuse, state.images, requested)


STEPS: tuple[Step, ...] = (
    Step("conda only", "an environment file alone is refused before any tool runs", _conda_only),
    Step("inputs", "the input hash and the previous digests, before anything resolves", _inputs),
    Step(
        "base digests for pip",
        "a backend that resolves inside each platform's base needs its digest first",
        _digests_before_pip,
    ),
    Step(
        "conda per platform",
        "before pip: the environment's Python is the one its pip part is resolved for",
        _conda,
    ),
    Step(
        "pip per platform",
        "the pins decide the GPU build; the spec's base is looked up alongside (both wait on I/O)",
        _pip,
    ),
    Step(
        "GPU decision and variant re-resolve",
        "reads the pinned framework; a CUDA build from its own index means pip again with it",
        _gpu,
    ),
    Step(
        "dev group",
        "the devcontainer's tools are resolved with the final pins as constraints: never moves one",
        _dev_group,
    ),
    Step(
        "devcontainer Features",
        "by digest from their own registry, which no other step reads",
        _features,
    ),
    Step(
        "base digests", "the GPU decision may replace the spec's base by a CUDA one", _base_digests
    ),
    Step(
        "Python on the base",
        "only a CUDA base (chosen, or named in the spec) can lack Python: apt brings it",
        _python_apt,
    ),
    Step(
        "wheels only",
        "pip.only-wheels refuses source builds once the pins are final",
        _only_wheels,
    ),
    Step(
        "base Python check",
        "a base the spec names carries its own Python, known once its digest is",
        _base_python,
    ),
    Step("apt", "last: pinned inside the final base digests, Python's packages included", _apt),
)
