"""`Spec` -> `Lock`: resolve base images and pip inputs, write the lock and its native export."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv import __version__
from reproenv.detect.cuda_base import python_on_base
from reproenv.errors import ExitCode, ReproenvError, bad_input
from reproenv.fsutil import remove_stale_temps, write_atomic
from reproenv.lock.base_python import check_base_python
from reproenv.lock.gpu import VariantNeeded, decide_gpu
from reproenv.lock.guard import project_lock
from reproenv.lock.inputs import declared_indexes, input_hash
from reproenv.lock.model import (
    LOCK_FILE,
    REQUIREMENTS_LOCK,
    Lock,
    LockedAptPackage,
    LockedImage,
    dump_lock,
    lock_hash,
    read_lock,
)
from reproenv.lock.pip import (
    NO_UPGRADE,
    Upgrade,
    merge_platforms,
    refuse_source_only,
    render_requirements_lock,
    resolve_pip,
)
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from reproenv.oci.client import RegistryClient, ResolvedImage


class LockMode(Enum):
    AUTO = "auto"  # relock when stale
    LOCKED = "locked"  # fail when stale
    FROZEN = "frozen"  # use the lock as it is


class LockState(Enum):
    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"


class ExportState(Enum):
    """requirements.lock against the reproenv.lock it is derived from."""

    FRESH = "fresh"
    MISSING = "missing"
    REFORMATTED = "reformatted"  # the same requirements, laid out otherwise (another version)
    EDITED = "edited"  # other requirements: edited by hand, or an interrupted write


@dataclass(frozen=True)
class ExportCheck:
    state: ExportState
    detail: str = ""  # for EDITED: the first requirement that differs

    @property
    def is_edit(self) -> bool:
        return self.state is ExportState.EDITED

    def notice(self) -> str | None:
        """What a command that rewrote requirements.lock from reproenv.lock says about it."""
        if self.state is ExportState.MISSING:
            return f"{REQUIREMENTS_LOCK} was missing: wrote it from {LOCK_FILE}"
        if self.state is ExportState.REFORMATTED:
            return f"rewrote {REQUIREMENTS_LOCK} from {LOCK_FILE} (same pins, another layout)"
        if self.state is ExportState.EDITED:
            return (
                f"{REQUIREMENTS_LOCK} did not match {LOCK_FILE} ({self.detail}): rewrote it from "
                f"{LOCK_FILE}; it is derived, change the requirement files instead"
            )
        return None


@dataclass(frozen=True)
class LockResult:
    lock: Lock
    text: str
    changed: bool
    previous: Lock | None = None
    export: ExportCheck = ExportCheck(ExportState.FRESH)  # requirements.lock before this run

    @property
    def hash(self) -> str:
        return lock_hash(self.text)


def lock_path(spec: Spec) -> Path:
    return spec.project_dir / LOCK_FILE


def lock_state(spec: Spec) -> LockState:
    existing = read_lock(lock_path(spec))
    if existing is None:
        return LockState.MISSING
    return LockState.FRESH if existing.input_hash == input_hash(spec) else LockState.STALE


def export_state(spec: Spec) -> ExportCheck | None:
    """requirements.lock against reproenv.lock, offline (`lock --check`); None without a lock."""
    existing = read_lock(lock_path(spec))
    return check_export(spec, existing) if existing is not None else None


def resolve(
    spec: Spec,
    ca_cert: Path | None,
    registry: RegistryClient | None = None,
    *,
    previous: Lock | None = None,
    upgrade: Upgrade = NO_UPGRADE,
    backend: str = "uv",
) -> Lock:
    """Resolve the spec; pins of `previous` that still satisfy the inputs are kept."""
    refuse_conda_only(spec)
    digest_hash = input_hash(spec)
    kept_images = None if upgrade.everything else _kept_images(spec, previous)
    preferences = previous.pip_packages if previous is not None else ()
    if backend == "pip-tools":
        from reproenv.lock.piptools import resolve_piptools

        # it may run inside the base image of each platform: the digests come first
        first = kept_images or _locked_images(_resolve_images(spec, registry))
        by_platform = {image.platform: image for image in first}
        resolutions = [
            resolve_piptools(
                spec, platform, ca_cert, by_platform[platform],
                preferences=preferences, upgrade=upgrade,
            )
            for platform in spec.platforms
        ]  # fmt: skip

        def spec_base() -> tuple[LockedImage, ...]:
            return first
    else:
        # Every platform's uv run and the registry lookup are independent and wait on I/O.
        # a lock on a CUDA base will likely stay on it: the spec's base is then looked up only
        # if the decision changes
        on_cuda_base = previous is not None and previous.gpu is not None and previous.gpu.base_image
        with ThreadPoolExecutor(max_workers=len(spec.platforms) + 1) as pool:
            images = (
                None
                if kept_images or on_cuda_base
                else pool.submit(_resolve_images, spec, registry)
            )
            runs = [
                pool.submit(
                    resolve_pip, spec, platform, ca_cert, preferences=preferences, upgrade=upgrade
                )
                for platform in spec.platforms
            ]
            resolutions = [run.result() for run in runs]

        def spec_base() -> tuple[LockedImage, ...]:
            # read only when the spec's base is the one used (a CUDA base may replace it)
            if kept_images:
                return kept_images
            return _locked_images(images.result() if images else _resolve_images(spec, registry))

    indexes = declared_indexes(spec)
    pip_packages = merge_platforms([r.packages for r in resolutions])
    try:
        gpu = decide_gpu(spec, pip_packages)
    except VariantNeeded as needed:
        if backend != "uv":
            raise needed.as_error() from None
        url = needed.index_url()
        try:
            resolutions = [
                resolve_pip(
                    spec, platform, ca_cert, preferences=preferences,
                    upgrade=Upgrade(upgrade.everything, (*upgrade.packages, *needed.packages)),
                    variant_indexes=(url,),
                )
                for platform in spec.platforms
            ]  # fmt: skip
        except ReproenvError as error:
            raise needed.as_error(error) from None
        pip_packages = merge_platforms([r.packages for r in resolutions])
        try:
            gpu = decide_gpu(spec, pip_packages)
        except VariantNeeded as still:  # the index did not have the build either
            raise still.as_error() from None
        indexes = (indexes[0], (*indexes[1], url))
    pip = resolutions[0]
    if gpu.base_image:
        kept = None if upgrade.everything else _kept_images(spec, previous, gpu.base_image)
        resolved = kept or _locked_images(_resolve_images(spec, registry, gpu.base_image))
    else:
        resolved = spec_base()
    # only a CUDA base (chosen, or named in the spec) can lack Python
    python_apt = (
        python_on_base(gpu.base_image or spec.base_image, spec.python)
        if gpu.base_image or not spec.base_is_default
        else ()
    )
    apt_requested = tuple(sorted({*spec.apt_packages, *python_apt}))
    if spec.only_wheels:
        refuse_source_only(spec, pip_packages)
    # a base the spec names carries its own Python (a CUDA base gets the spec's from apt)
    checked = (
        ()
        if gpu.base_image or spec.base_is_default or python_apt
        else check_base_python(spec, resolved, registry, previous)
    )
    apt = _apt_pins(spec, resolved, previous, upgrade, apt_requested)
    return Lock(
        reproenv_version=__version__,
        input_hash=digest_hash,
        python=spec.python,
        platforms=spec.platforms,
        resolver=pip.resolver,
        wheel_platforms=tuple(r.wheel_platform for r in resolutions),
        images=resolved,
        pip_index_url=indexes[0],
        pip_extra_index_urls=indexes[1],
        pip_exclude_newer=spec.exclude_newer,
        apt_requested=apt_requested,
        apt_snapshot=spec.apt_snapshot,
        apt_packages=apt,
        python_apt=tuple(sorted(python_apt)),
        pip_packages=pip_packages,
        gpu=gpu,
        local_projects=_local_projects(spec, backend),
        warnings=checked,
    )


def refuse_conda_only(spec: Spec) -> None:
    """An environment file and nothing else to lock: an error, not a lock of 0 packages."""
    if spec.requirements or spec.pyproject_dependencies or spec.apt_packages:
        return
    from reproenv.detect.conda import environment_file, read_environment

    path = environment_file(spec.project_dir)
    if path is None:
        return
    found = read_environment(path)
    pip = f" and {len(found.pip)} in its pip: list" if found.pip else ""
    raise bad_input(
        f"{path.name} is this project's only input ({len(found.conda)} conda packages{pip}), "
        "and reproenv does not lock conda environments yet: nothing would be locked",
        "conda-not-supported",
        "list the pip packages in a requirements file named in pip.requirements (`reproenv "
        "init --force` copies the pip: list into one), and the conda ones there too where PyPI "
        "has them; conda-lock or pixi lock conda environments",
        file=str(path),
    )


def _local_projects(spec: Spec, backend: str) -> tuple[str, ...]:
    """Installed after the pins; the uv backend locks their build backends (pip-tools refuses
    local path lines, and leaves a pip.pyproject project uninstalled, as before)."""
    from reproenv.lock.inputs import local_projects

    return tuple(p.path for p in local_projects(spec)) if backend == "uv" else ()


def _apt_pins(
    spec: Spec,
    images: tuple[LockedImage, ...],
    previous: Lock | None,
    upgrade: Upgrade,
    requested: tuple[str, ...],
) -> tuple[LockedAptPackage, ...]:
    """Previous pins while the packages and base digests are the same; else ask apt."""
    if not requested:
        return ()
    if (
        previous is not None
        and not upgrade.everything
        and previous.images == images
        and previous.apt_requested == requested
        and previous.apt_snapshot == spec.apt_snapshot
    ):
        return previous.apt_packages
    from reproenv.engine import DockerEngine
    from reproenv.lock.apt import resolve_apt
    from reproenv.settings import docker_executable

    engine = DockerEngine(docker_executable(None))
    per_platform = [resolve_apt(spec, image, engine, requested) for image in images]
    merged: dict[tuple[str, str], set[str]] = {}
    for pins in per_platform:
        for pin in pins:
            merged.setdefault((pin.name, pin.version), set()).update(pin.platforms)
    return tuple(
        LockedAptPackage(name=name, version=version, platforms=tuple(sorted(platforms)))
        for (name, version), platforms in sorted(merged.items())
    )


def _kept_images(
    spec: Spec, previous: Lock | None, base: str | None = None
) -> tuple[LockedImage, ...] | None:
    """The previous digests, when they were resolved for the same image and platforms."""
    if previous is None:
        return None
    from reproenv.oci.reference import ImageRef

    reference = str(ImageRef.parse(base or spec.base_image))
    kept = tuple(i for i in previous.images if i.reference == reference)
    platforms = {i.platform for i in kept}
    return kept if platforms == set(spec.platforms) else None


def _locked_images(resolved: list[ResolvedImage]) -> tuple[LockedImage, ...]:
    return tuple(
        LockedImage(
            reference=image.reference,
            platform=image.platform,
            digest=image.digest,
            index_digest=image.index_digest,
        )
        for image in resolved
    )


def _resolve_images(
    spec: Spec, registry: RegistryClient | None, base: str | None = None
) -> list[ResolvedImage]:
    # imported here: httpx is only needed when resolving, not for `lock --check` or start-up
    from reproenv.oci.client import RegistryClient
    from reproenv.oci.reference import ImageRef

    registry = registry or RegistryClient(mirror=spec.registry_mirror)
    return registry.resolve(ImageRef.parse(base or spec.base_image), list(spec.platforms))


def write_lock(spec: Spec, lock: Lock) -> str:
    text = dump_lock(lock)
    for path in (lock_path(spec), spec.project_dir / REQUIREMENTS_LOCK):
        remove_stale_temps(path)
    # the lock first: requirements.lock is an export of it, rewritten from it when stale
    write_atomic(lock_path(spec), text)
    sync_exports(spec, lock)
    return text


def sync_exports(spec: Spec, lock: Lock) -> None:
    """Make requirements.lock match reproenv.lock; callers check it first (`check_export`)."""
    path = spec.project_dir / REQUIREMENTS_LOCK
    text = _export_text(lock)
    if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
        write_atomic(path, text)


def _export_text(lock: Lock) -> str:
    return render_requirements_lock(
        lock.pip_packages,
        lock.python,
        lock.platforms,
        lock.pip_index_url,
        lock.pip_extra_index_urls,
    )


def check_export(spec: Spec, lock: Lock) -> ExportCheck:
    """Is requirements.lock what `lock` renders? Comments and layout aside, an edit is a
    difference in what pip would install: a pin, a hash, a marker or an index line."""
    try:
        data = (spec.project_dir / REQUIREMENTS_LOCK).read_bytes()
    except FileNotFoundError:
        return ExportCheck(ExportState.MISSING)
    wanted = _export_text(lock)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ExportCheck(ExportState.EDITED, "it is not UTF-8 text")
    if text == wanted:
        return ExportCheck(ExportState.FRESH)
    found, expected = _requirement_lines(text), _requirement_lines(wanted)
    if found == expected:
        return ExportCheck(ExportState.REFORMATTED)
    return ExportCheck(ExportState.EDITED, _first_difference(found, expected))


def _requirement_lines(text: str) -> list[str]:
    from reproenv.lock.inputs import split_logical

    return sorted(" ".join(line.split()) for _, line in split_logical(text))


def _first_difference(found: list[str], expected: list[str]) -> str:
    def pin(line: str) -> str:
        head = line.split(" --hash=", 1)[0]
        return head if len(head) <= 100 else head[:100] + "…"

    extra = [line for line in found if line not in expected]
    lacking = [line for line in expected if line not in found]
    if extra and lacking and pin(extra[0]) == pin(lacking[0]):
        return f"other hashes for {pin(extra[0])}"
    if extra:
        return f"it has {pin(extra[0])}, which {LOCK_FILE} does not"
    return f"it lacks {pin(lacking[0])}"


def _export_before_relock(spec: Spec, previous: Lock | None) -> ExportCheck:
    """requirements.lock before a relock rewrites it: an edit of the previous lock's export,
    or, without a previous lock, a file reproenv did not write, is said out loud."""
    if previous is not None:
        return check_export(spec, previous)
    path = spec.project_dir / REQUIREMENTS_LOCK
    if not path.is_file() or path.read_bytes().startswith(_GENERATED):
        return ExportCheck(ExportState.FRESH)  # first lock, or a relock from scratch
    return ExportCheck(ExportState.EDITED, "reproenv did not write it")


_GENERATED = b"# generated by reproenv"


def ensure_lock(
    spec: Spec,
    mode: LockMode,
    ca_cert: Path | None,
    on_wait: Callable[[str], None] = lambda _: None,
    upgrade: Upgrade = NO_UPGRADE,
    backend: str | None = None,
    *,
    exports: bool = True,
) -> LockResult:
    """The lock build/generate use, following uv's --locked / --frozen semantics.

    A stale lock is re-resolved keeping the pins that still fit; `upgrade` re-resolves a
    fresh one too, letting the named packages (or everything) move. requirements.lock is
    checked against the lock and rewritten from it (`exports=False`: left alone, for `run`
    with --frozen, which installs nothing).
    """
    path = lock_path(spec)
    existing = read_lock(path)
    if mode is LockMode.FROZEN:
        if existing is None:
            raise _missing_lock(spec)
        return _current(spec, existing, mode, exports=exports)
    wanted = input_hash(spec)
    switching = backend is not None and existing is not None and backend != lock_backend(existing)
    if existing is not None and existing.input_hash == wanted and not upgrade and not switching:
        return _current(spec, existing, mode)
    if mode is LockMode.LOCKED:
        if existing is None:
            raise _missing_lock(spec)
        raise ReproenvError(
            f"{LOCK_FILE} is stale: the spec or its requirement files changed since it was written",
            "lock-stale",
            "run `reproenv lock` and commit the result, or drop --locked",
            {"file": str(path)},
            ExitCode.CHECK_FAILED,
        )
    with project_lock(spec.project_dir, on_wait=on_wait):
        # another run may have written it while this one waited
        existing = read_lock(path)
        if existing is not None and existing.input_hash == wanted and not upgrade and not switching:
            return _current(spec, existing, mode)
        # the backend sticks: a relock uses the one that made the lock unless told otherwise
        chosen = backend or (lock_backend(existing) if existing else "uv")
        lock = resolve(spec, ca_cert, previous=existing, upgrade=upgrade, backend=chosen)
        if existing is not None and lock == existing:
            return _current(spec, existing, mode)
        before = _export_before_relock(spec, existing)
        text = write_lock(spec, lock)
        return LockResult(lock, text, changed=True, previous=existing, export=before)


def lock_backend(lock: Lock) -> str:
    return "pip-tools" if lock.resolver.startswith("pip-tools") else "uv"


def _current(spec: Spec, lock: Lock, mode: LockMode, *, exports: bool = True) -> LockResult:
    """The lock as it is, with requirements.lock made to match it: rewritten when missing or
    edited (an edit is refused under --locked / --frozen: the user asked for no changes)."""
    export = check_export(spec, lock) if exports else ExportCheck(ExportState.FRESH)
    if export.is_edit and mode is not LockMode.AUTO:
        raise export_edited(spec, export, f"--{mode.value}")
    if exports:
        sync_exports(spec, lock)
    return LockResult(lock, lock_path(spec).read_text(encoding="utf-8"), False, export=export)


def export_edited(spec: Spec, export: ExportCheck, refused_by: str) -> ReproenvError:
    return ReproenvError(
        f"{REQUIREMENTS_LOCK} does not match {LOCK_FILE} ({export.detail}); {refused_by} "
        "does not rewrite it",
        "export-edited",
        f"restore it from version control, or run `reproenv lock` to rewrite it from "
        f"{LOCK_FILE}; to change a pin, change the requirement files and relock",
        {"file": str(spec.project_dir / REQUIREMENTS_LOCK)},
        ExitCode.CHECK_FAILED,
    )


def _missing_lock(spec: Spec) -> ReproenvError:
    return bad_input(
        f"no {LOCK_FILE} in {spec.project_dir.name}",
        "lock-missing",
        "run `reproenv lock` first",
        file=str(lock_path(spec)),
    )
