"""What installs the conda records in the image: py-rattler, the version this reproenv runs,
pinned with its wheels' hashes for every target platform like any pip package. It lives in the
builder stage only, so it is kept apart from the environment's own pip packages."""

from __future__ import annotations

import tempfile
from pathlib import Path

from reproenv.lock.model import LockedPipPackage
from reproenv.spec.model import Spec

INSTALLER = "py-rattler"


def installer_version() -> str:
    from importlib.metadata import version

    return version(INSTALLER)


def lock_installer(
    spec: Spec, ca_cert: Path | None, previous: tuple[LockedPipPackage, ...] = ()
) -> tuple[LockedPipPackage, ...]:
    """py-rattler's wheels for the spec's platforms, from the spec's indexes, with hashes; the
    previous lock's, when they pin this version for every platform."""
    version = installer_version()
    covered = {p for package in previous if package.version == version for p in package.platforms}
    if previous and set(spec.platforms) <= covered:
        return tuple(
            package.model_copy(
                update={"platforms": tuple(p for p in package.platforms if p in spec.platforms)}
            )
            for package in previous
            if set(package.platforms) & set(spec.platforms)
        )
    from reproenv.lock.pip.packages import merge_platforms
    from reproenv.lock.pip.uv import resolve_pip

    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        wanted = Path(scratch) / "conda-installer.in"
        wanted.write_text(f"{INSTALLER}=={version}\n", encoding="utf-8")
        # the builder stage runs the base's Python; the project's own inputs and dates do not
        # apply to the tool that installs its environment
        installer_spec = spec.model_copy(
            update={
                "requirements": (str(wanted),),
                "pyproject_dependencies": (),
                "pyproject": False,
                "exclude_newer": None,
                "only_wheels": True,
                "conda": None,
            }
        )
        resolved = [
            resolve_pip(installer_spec, platform, ca_cert).packages for platform in spec.platforms
        ]
    return merge_platforms(resolved)
