"""The base image's digests in the lock: kept from the previous lock while they were resolved
for the same reference and platforms, else looked up in the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reproenv.lock.model import Lock, LockedImage
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from reproenv.oci.client import RegistryClient, ResolvedImage


def kept_images(
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


def locked_images(resolved: list[ResolvedImage]) -> tuple[LockedImage, ...]:
    return tuple(
        LockedImage(
            reference=image.reference,
            platform=image.platform,
            digest=image.digest,
            index_digest=image.index_digest,
        )
        for image in resolved
    )


def resolve_images(
    spec: Spec, registry: RegistryClient | None, base: str | None = None
) -> list[ResolvedImage]:
    # imported here: httpx is only needed when resolving, not for `lock --check` or start-up
    from reproenv.oci.client import RegistryClient
    from reproenv.oci.reference import ImageRef

    registry = registry or RegistryClient(mirror=spec.registry_mirror)
    return registry.resolve(ImageRef.parse(base or spec.base_image), list(spec.platforms))
