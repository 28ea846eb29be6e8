"""What installs the conda records in the image: py-rattler, the version this reproenv runs,
pinned with its wheels' hashes for every target platform like any pip package. It lives in the
builder stage only, so it is kept apart from the environment's own pip packages."""

from __future__ import annotations

from pathlib import Path

from reproenv.lock.build_tools import pin_tool, tool_version
from reproenv.lock.model import LockedPipPackage
from reproenv.spec.model import Spec

INSTALLER = "py-rattler"


def installer_version() -> str:
    return tool_version(INSTALLER)


def lock_installer(
    spec: Spec,
    ca_cert: Path | None,
    previous: tuple[LockedPipPackage, ...] = (),
    *,
    reuse: bool = True,
) -> tuple[LockedPipPackage, ...]:
    """py-rattler's wheels for the spec's platforms, from the spec's indexes, with hashes; the
    previous lock's, when they pin this version for every platform, or reproenv's cache's
    (`reuse=False`, as on an upgrade: asked afresh)."""
    return pin_tool(spec, INSTALLER, ca_cert, previous, reuse=reuse)
