"""What the builder can guarantee: can it rewrite layer timestamps (bit-for-bit images)?

Parsed from `docker info`, `docker buildx version` and `docker buildx inspect`, each a pure
function over the command's output so that captured outputs test them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1"
# BuildKit's exporters took `rewrite-timestamp` in 0.13 (Docker 25 and later embed it); the
# classic overlay2 image store silently ignores it, so the docker driver needs containerd's.
REWRITE_BUILDKIT = Version("0.13")
REWRITE_DOCKER = Version("25")


@dataclass(frozen=True)
class Capability:
    """The builder's facts; `can_rewrite_timestamps` is the answer `doctor` and
    `build --check-reproducible` act on."""

    server_version: str = ""
    containerd_store: bool = False
    buildx_version: str | None = None  # None: no buildx plugin
    buildkit_version: str | None = None  # the buildx builder's BuildKit, when it says
    buildx_driver: str | None = None  # docker, docker-container, remote, kubernetes

    @property
    def can_rewrite_timestamps(self) -> bool:
        return self.why_not is None

    @property
    def why_not(self) -> str | None:
        """None when timestamps can be rewritten, else the missing piece, for people."""
        if self.buildx_version is None:
            return "no buildx plugin (BuildKit's rewrite-timestamp needs `docker buildx build`)"
        if self.buildx_driver not in (None, "docker"):
            # a BuildKit of its own (docker-container, remote): its version alone decides
            if _at_least(self.buildkit_version, REWRITE_BUILDKIT):
                return None
            kit = self.buildkit_version or "?"
            return f"the buildx builder's BuildKit {kit} is older than 0.13"
        if not _at_least(self.server_version, REWRITE_DOCKER):
            return f"Docker {self.server_version or '?'} is older than 25"
        if not self.containerd_store:
            return "the engine's image store is not containerd's (enable containerd-snapshotter)"
        return None

    def describe(self) -> str:
        store = "containerd image store" if self.containerd_store else "classic image store"
        buildx = f"buildx {self.buildx_version}" if self.buildx_version else "no buildx"
        kit = f", BuildKit {self.buildkit_version}" if self.buildkit_version else ""
        answer = "can" if self.can_rewrite_timestamps else "cannot"
        facts = f"engine {self.server_version or '?'}, {store}, {buildx}{kit}"
        return f"{facts}: {answer} rewrite layer timestamps"

    def as_dict(self) -> dict[str, object]:
        return {
            "server_version": self.server_version,
            "containerd_store": self.containerd_store,
            "buildx_version": self.buildx_version,
            "buildkit_version": self.buildkit_version,
            "buildx_driver": self.buildx_driver,
            "can_rewrite_timestamps": self.can_rewrite_timestamps,
            "why_not": self.why_not,
        }


def _at_least(version: str | None, floor: Version) -> bool:
    if not version:
        return False
    match = re.match(r"v?(\d+(?:\.\d+)*)", version.strip())
    try:
        return match is not None and Version(match.group(1)) >= floor
    except InvalidVersion:
        return False


def containerd_store(info_json: str) -> bool:
    """`docker info --format '{{json .}}'`: the containerd image store names its snapshotter
    in DriverStatus (`driver-type: io.containerd.snapshotter.v1`)."""
    try:
        info = json.loads(info_json or "{}")
    except json.JSONDecodeError:
        return False
    status = info.get("DriverStatus") if isinstance(info, dict) else None
    for pair in status or ():
        if isinstance(pair, list) and len(pair) == 2 and pair[0] == "driver-type":
            return bool(pair[1] == CONTAINERD_SNAPSHOTTER)
    return False


def buildx_version(output: str) -> str | None:
    """`docker buildx version`: `github.com/docker/buildx v0.13.1 <commit>` (Debian's package
    prints `0.13.1+ds1`); None when it printed nothing of the kind."""
    match = re.search(r"buildx\s+v?(\d+\.\d+(?:\.\d+)?)", output)
    return match.group(1) if match else None


def buildx_builder(output: str) -> tuple[str | None, str | None]:
    """`docker buildx inspect`: (driver, BuildKit version). buildx before 0.12 says
    `Buildkit: v0.11.6`, later ones `BuildKit version: v0.13.2`."""
    driver = re.search(r"^Driver:\s*(\S+)", output, re.MULTILINE)
    kit = re.search(r"^Build[kK]it(?: version)?:\s*v?(\d+\.\d+(?:\.\d+)?)", output, re.MULTILINE)
    version = kit.group(1) if kit else None
    # Debian's engine build says `v0.0.0+unknown`: no version, rather than a wrong one
    return (driver.group(1) if driver else None, None if version == "0.0.0" else version)
