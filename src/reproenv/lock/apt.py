"""Pin apt packages to exact versions by asking apt itself, inside the pinned base image.

`apt-get install --simulate` in a throwaway container of the locked digest lists every package
the install would add, with the version the distribution serves today; pinning them all
(`name=version`) makes the Dockerfile install exactly that closure.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from reproenv.errors import ReproenvError, bad_input, environment
from reproenv.lock.model import Lock, LockedAptPackage, LockedImage
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from reproenv.engine import ContainerEngine

# archive -> its dated snapshot service; `{}` is the snapshot's timestamp
_SNAPSHOTS = (
    (
        "http://deb.debian.org/debian-security",
        "http://snapshot.debian.org/archive/debian-security/{}",
    ),
    ("http://deb.debian.org/debian", "http://snapshot.debian.org/archive/debian/{}"),
    ("http://security.ubuntu.com/ubuntu", "http://snapshot.ubuntu.com/ubuntu/{}"),
    ("http://archive.ubuntu.com/ubuntu", "http://snapshot.ubuntu.com/ubuntu/{}"),
    ("http://ports.ubuntu.com/ubuntu-ports", "http://snapshot.ubuntu.com/ubuntu-ports/{}"),
)
# a snapshot's Release files are old by design
SNAPSHOT_UPDATE_OPTIONS = "-o Acquire::Check-Valid-Until=false"


def sources_script(snapshot: str | None, root: str = "") -> str:
    """Shell that points apt at the dated snapshot (a no-op without one), for both the
    one-line and the deb822 source formats; `root` is for tests."""
    if not snapshot:
        return "true"
    expressions = " ".join(
        f"-e 's|{archive}|{mirror.format(snapshot)}|g'" for archive, mirror in _SNAPSHOTS
    )
    files = f"{root}/etc/apt/sources.list {root}/etc/apt/sources.list.d/*"
    return f'for f in {files}; do [ -f "$f" ] && sed -i {expressions} "$f"; done; true'


def update_command(snapshot: str | None) -> str:
    return "apt-get update" + (f" {SNAPSHOT_UPDATE_OPTIONS}" if snapshot else "")


_INST = re.compile(r"^Inst (?P<name>\S+) (?:\[\S+\] )?\((?P<version>\S+) ")
_NOT_FOUND = re.compile(r"E: (?:Unable to locate package |Package '?)(?P<name>[^\s']+)")


def resolve_apt(
    spec: Spec, image: LockedImage, engine: ContainerEngine, packages: tuple[str, ...] | None = None
) -> tuple[LockedAptPackage, ...]:
    """The closure apt would install for `packages` (the spec's apt.packages by default)."""
    packages = spec.apt_packages if packages is None else packages
    if not packages:
        return ()
    from reproenv.oci.reference import pull_reference  # only when resolving

    pinned = pull_reference(image.reference, image.digest, spec.registry_mirror)
    script = (
        f"{{ {sources_script(spec.apt_snapshot)}; }} && "
        f"{update_command(spec.apt_snapshot)} -qq >/dev/null && "
        "apt-get install --simulate --no-install-recommends -y "
        + " ".join(shlex.quote(p) for p in packages)
    )
    engine.info()  # a clear "no engine" error, not a failed `docker run`
    result = engine.capture(
        ["run", "--rm", "--platform", image.platform, pinned, "sh", "-c", script]
    )
    if result.returncode != 0:
        missing = _NOT_FOUND.search(result.stdout + result.stderr)
        if missing:
            raise _not_available(spec, image, missing.group("name"))
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise environment(
            f"could not resolve apt packages in {image.reference} ({image.platform}): "
            + " / ".join(tail),
            "apt-resolve-failed",
            "check that containers reach the distribution's mirror; `reproenv doctor`",
            image=image.reference,
        )
    return parse_simulation(result.stdout, image.platform)


def _not_available(spec: Spec, image: LockedImage, name: str) -> ReproenvError:
    where = f"{image.reference} ({image.platform})"
    if name in spec.apt_packages:
        message = f"apt package {name} is not available in {where}"
        reference, key = "apt-package-not-found", "apt.packages"
        hint = (
            "check its name (`apt-cache search` in the base image) or remove it from apt.packages"
        )
    else:  # one of those that put Python on a CUDA base
        message = f"{where} has no apt package {name}, which would put Python {spec.python} on it"
        reference, key = "cuda-base-python-unavailable", "python"
        hint = (
            "set python to the version the base's distro ships, or image.base to an image "
            "with Python"
        )
    return bad_input(message, reference, hint, file=str(spec.source), key=key, package=name)


def parse_simulation(text: str, platform: str) -> tuple[LockedAptPackage, ...]:
    found = {
        match.group("name"): match.group("version")
        for line in text.splitlines()
        if (match := _INST.match(line))
    }
    return tuple(
        LockedAptPackage(name=name, version=version, platforms=(platform,))
        for name, version in sorted(found.items())
    )


def apt_pins(
    spec: Spec, previous: Lock | None, images: tuple[LockedImage, ...], requested: tuple[str, ...]
) -> tuple[LockedAptPackage, ...]:
    """`previous`'s pins while the packages and base digests are the same (None: an upgrade
    of everything); else apt's, asked in each platform's base."""
    if not requested:
        return ()
    if (
        previous is not None
        and previous.images == images
        and previous.apt_requested == requested
        and previous.apt_snapshot == spec.apt_snapshot
    ):
        return previous.apt_packages
    from reproenv.engine import open_engine

    engine = open_engine()
    per_platform = [resolve_apt(spec, image, engine, requested) for image in images]
    merged: dict[tuple[str, str], set[str]] = {}
    for pins in per_platform:
        for pin in pins:
            merged.setdefault((pin.name, pin.version), set()).update(pin.platforms)
    return tuple(
        LockedAptPackage(name=name, version=version, platforms=tuple(sorted(platforms)))
        for (name, version), platforms in sorted(merged.items())
    )
