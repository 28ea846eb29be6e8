"""`reproenv mirror REGISTRY`: every base image digest the lock pins, copied to REGISTRY under
the same repository path (below its prefix), and on request recorded in the lock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.errors import bad_input
from reproenv.lock.model import LOCK_FILE, Lock, LockedImage
from reproenv.oci.reference import ImageRef, Mirror, copy_of, copy_reference, parse_mirror

if TYPE_CHECKING:
    import httpx

    from reproenv.mirror.copy import CopyReport
    from reproenv.spec.model import Spec

REGISTRY_HINT = (
    "Pass the registry as host[:port] or host[:port]/path/prefix, for example "
    "127.0.0.1:5000 or harbor.example.com/reproenv; images keep their repository path below it."
)


@dataclass(frozen=True)
class Copied:
    image: LockedImage
    reference: str  # where its copy is: MIRROR/REPO@DIGEST


@dataclass(frozen=True)
class MirrorResult:
    registry: str  # as the lock records it: host[:port][/prefix]
    copied: tuple[Copied, ...]
    report: CopyReport


def parse_registry(text: str) -> tuple[Mirror, str]:
    """The REGISTRY argument, and its spelling for the lock (no scheme: engines take none)."""
    mirror = parse_mirror(text, hint=REGISTRY_HINT)
    return mirror, f"{mirror.host}/{mirror.prefix}" if mirror.prefix else mirror.host


def source_of(image: LockedImage) -> ImageRef:
    """Where to read an image from: the copy the lock names, if any (the upstream may have
    deleted it), else the upstream (through REPROENV_REGISTRY_MIRROR for Docker Hub)."""
    ref = ImageRef.parse(image.reference)
    return copy_of(ref, parse_mirror(image.mirror)) if image.mirror else ref


def mirror_lock(
    lock: Lock,
    registry: str,
    *,
    registry_mirror: str | None,
    index: bool = True,
    tag: bool = False,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    docker_config: Path | None = None,
) -> MirrorResult:
    """Copies the lock's base images to `registry`: per index (with every manifest it lists,
    so it can be stored whole) unless `index` is False, then each platform manifest the lock
    names; `tag` also points the upstream tag at the copy. `transport` is for tests."""
    from reproenv.mirror.copy import Copier
    from reproenv.oci.client import RegistryClient
    from reproenv.oci.push import RegistryPusher
    from reproenv.oci.reference import copy_target

    mirror, recorded = parse_registry(registry)
    reader = RegistryClient(
        mirror=registry_mirror, transport=transport, env=env, docker_config=docker_config
    )
    with RegistryPusher(transport=transport, env=env, docker_config=docker_config) as pusher:
        copier = Copier(reader, pusher)
        for group in _groups(lock.images):
            first = group[0]
            upstream = ImageRef.parse(first.reference)
            source, dest = source_of(first), copy_target(upstream, mirror)
            tops = [first.index_digest] if index and first.index_digest else []
            for digest in [*tops, *(image.digest for image in group)]:
                copier.copy(source, dest, digest)  # an index's own children come out present
            if tag and upstream.tag:
                copier.tag(source, dest, tops[0] if tops else first.digest, upstream.tag)
    copied = tuple(
        Copied(image, copy_reference(image.reference, image.digest, recorded))
        for image in lock.images
    )
    return MirrorResult(recorded, copied, copier.report)


def _groups(images: tuple[LockedImage, ...]) -> list[list[LockedImage]]:
    """The lock's images by reference, source and index: one index is copied once."""
    grouped: dict[tuple[str, str | None, str | None], list[LockedImage]] = {}
    for image in images:
        grouped.setdefault((image.reference, image.mirror, image.index_digest), []).append(image)
    return list(grouped.values())


def record_mirror(spec: Spec, lock: Lock, registry: str) -> Lock:
    """Rewrites the lock with `registry` named on every base image entry, under the project's
    file lock; refused when the lock's images changed since they were copied."""
    from reproenv.lock.guard import project_lock
    from reproenv.lock.model import read_lock
    from reproenv.lock.service import write_lock
    from reproenv.lock.state import lock_path

    with project_lock(spec.project_dir):
        current = read_lock(lock_path(spec))
        if current is None or _pins(current) != _pins(lock):
            raise bad_input(
                f"{LOCK_FILE} changed while its images were copied",
                "lock-changed",
                "run `reproenv mirror` again, so the digests it records are the ones copied",
                file=str(lock_path(spec)),
            )
        images = tuple(image.model_copy(update={"mirror": registry}) for image in current.images)
        recorded = current.model_copy(update={"images": images})
        if recorded != current:
            write_lock(spec, recorded)
        return recorded


def _pins(lock: Lock) -> set[tuple[str, str, str, str | None]]:
    return {(i.reference, i.platform, i.digest, i.index_digest) for i in lock.images}
