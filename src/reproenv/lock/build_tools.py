"""The tools the image's builder stages run, pinned like any pip package (every target
platform's wheels, with their hashes, from the spec's indexes) but kept apart from the
environment's pins: they never land in the final image. py-rattler links a conda environment
(`conda-installer`), uv installs requirements.lock (`image-installer`). Each is the version
this reproenv itself runs, so the image installs with the tool reproenv was tested with."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reproenv.lock.locker import LockRequest
from reproenv.lock.model import Lock, LockedPipPackage
from reproenv.spec.model import Spec

IMAGE_INSTALLER = "uv"  # a runtime dependency of reproenv: its own version is pinned


def tool_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def pin_tool(
    spec: Spec,
    name: str,
    ca_cert: Path | None,
    previous: tuple[LockedPipPackage, ...] = (),
    index_lines: tuple[str, ...] = (),
    keep_urls: bool = False,
    *,
    reuse: bool = True,
) -> tuple[LockedPipPackage, ...]:
    """`name`'s wheels at the version this reproenv runs, for the spec's platforms, with
    hashes; the previous lock's, when they pin that version for every platform, else what
    reproenv's cache holds from another lock of them (lock/tool_cache.py; `reuse=False`: asked
    afresh). `index_lines` (`--index-url …` as the requirement files write them, `${VAR}`s and
    all) go into the tool's own input file, so credentials reach uv as they do for the
    project's pins."""
    version = tool_version(name)
    covered = {p for package in previous if package.version == version for p in package.platforms}
    has_urls = all(w.url for package in previous for w in package.wheels)
    if previous and set(spec.platforms) <= covered and (has_urls or not keep_urls):
        return tuple(
            package.model_copy(
                update={"platforms": tuple(p for p in package.platforms if p in spec.platforms)}
            )
            for package in previous
            if set(package.platforms) & set(spec.platforms)
        )
    from reproenv.lock.pip.packages import each_platform, merge_platforms
    from reproenv.lock.pip.uv import resolve_pip
    from reproenv.lock.tool_cache import cached_pin, tool_key

    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        wanted = Path(scratch) / f"{name}.in"
        wanted.write_text("".join(f"{line}\n" for line in index_lines) + f"{name}=={version}\n")
        # a builder stage runs the base's Python; the project's own inputs and dates do not
        # apply to the tool that installs its environment
        tool_spec = spec.model_copy(
            update={
                "requirements": (str(wanted),),
                "pyproject_dependencies": (),
                "pyproject": False,
                "exclude_newer": None,
                "only_wheels": True,
                "conda": None,
            }
        )

        def one(platform: str) -> tuple[LockedPipPackage, ...]:
            key = tool_key(spec, name, version, platform, index_lines, keep_urls)
            return cached_pin(
                key,
                lambda: resolve_pip(tool_spec, platform, ca_cert, keep_urls=keep_urls).packages,
                reuse=reuse,
            )

        return merge_platforms(each_platform(spec.platforms, one))


def may_need_image_installer(spec: Spec) -> bool:
    """Before the pins are known: the spec installs with uv and asks for a package, so the
    pins will likely need uv in the image (`needs_image_installer` says once they are known)."""
    if spec.installer != IMAGE_INSTALLER:
        return False
    if spec.pyproject_dependencies or spec.pyproject:
        return True
    from reproenv.errors import ReproenvError
    from reproenv.lock.inputs import requirement_files
    from reproenv.spec.requirements import read_lines

    try:
        files = requirement_files(spec)
        return any(not line.is_option for path in files for line in read_lines(path))
    except ReproenvError:  # the resolver says what is wrong with them
        return False


def needs_image_installer(spec: Spec, pip: Mapping[str, Any]) -> bool:
    """The spec installs with uv and the pip section has pins or local projects to install."""
    return spec.installer == IMAGE_INSTALLER and bool(
        pip.get("pip_packages") or pip.get("local_projects")
    )


def pin_image_installer(request: LockRequest) -> tuple[LockedPipPackage, ...]:
    """uv for the image's install of the pip section's pins and local projects, from the
    indexes those came from (the spec's, or those its requirement files declare)."""
    spec = request.spec
    previous = request.previous
    kept = previous.image_installer if previous is not None and not request.upgrade else ()
    # with its wheels' URLs: the image's uv stage fetches the wheel by them, without pip
    return pin_tool(
        spec,
        IMAGE_INSTALLER,
        request.ca_cert,
        kept,
        _index_lines(spec),
        keep_urls=True,
        reuse=not request.upgrade,
    )


def _index_lines(spec: Spec) -> tuple[str, ...]:
    """The requirement files' index options as written, which uv reads from its input file
    and never prints."""
    from reproenv.lock.inputs import index_lines

    return tuple(f"{option} {value}" for option, value in index_lines(spec))


def lacks_image_installer(spec: Spec, lock: Lock) -> bool:
    """A lock made before it pinned uv for the image (or while the spec said pip), which the
    spec now installs with: relocked as if stale, keeping every other pin."""
    if spec.installer != IMAGE_INSTALLER or not (lock.pip_packages or lock.local_projects):
        return False
    covered = {p for package in lock.image_installer for p in package.platforms}
    return not set(lock.platforms) <= covered
