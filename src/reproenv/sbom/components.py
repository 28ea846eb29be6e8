"""The lock's packages as SBOM components, before any CycloneDX type: what each one is, its
package URL's parts, its hashes. Pure: the lock in, a sorted tuple out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from reproenv.lock.model import Lock, LockedCondaPackage, LockedImage, LockedPipPackage

ENVIRONMENT = "environment"
# pinned packages that build the image in a builder stage, not part of its environment
BUILDER_ROLES = ("image-installer", "conda-installer")


@dataclass(frozen=True)
class Item:
    """One component: `purl_type`, `namespace`, `name`, `version` and `qualifiers` are its
    package URL's parts (the purl spec's names)."""

    kind: str  # "library" or "container"
    purl_type: str  # pypi, deb, conda, oci
    name: str
    version: str
    namespace: str | None = None
    qualifiers: tuple[tuple[str, str], ...] = ()
    hashes: tuple[tuple[str, str], ...] = ()  # ("SHA-256" | "MD5", hex), sorted
    properties: tuple[tuple[str, str], ...] = ()  # sorted
    role: str = ENVIRONMENT  # or one of BUILDER_ROLES, or "base"

    @property
    def key(self) -> tuple[object, ...]:
        namespace = self.namespace or ""
        return (self.role, self.purl_type, namespace, self.name, self.version, self.qualifiers)


@dataclass
class _Merged:
    first: Item
    hashes: set[tuple[str, str]] = field(default_factory=set)
    properties: set[tuple[str, str]] = field(default_factory=set)


def lock_items(lock: Lock) -> tuple[Item, ...]:
    """Every locked package and base image, one item per package URL, sorted. A pip package
    pinned per platform with other files is one item with every file's hash."""
    namespace = distribution(lock)
    entries = [
        *(_pip(p, ENVIRONMENT) for p in lock.pip_packages),
        *(_pip(p, BUILDER_ROLES[0]) for p in lock.image_installer),
        *(_pip(p, BUILDER_ROLES[1]) for p in lock.conda_installer),
        *(_apt(namespace, p.name, p.version, p.platforms) for p in lock.apt_packages),
        *(_conda(record) for record in lock.conda_packages),
        *(_image(image) for image in lock.images),
    ]
    return tuple(sorted(_merge(entries), key=lambda item: repr(item.key)))


def _merge(entries: Iterable[Item]) -> list[Item]:
    merged: dict[tuple[object, ...], _Merged] = {}
    for item in entries:
        entry = merged.setdefault(item.key, _Merged(item))
        entry.hashes.update(item.hashes)
        entry.properties.update(item.properties)
    return [_merged(entry) for entry in merged.values()]


def _merged(entry: _Merged) -> Item:
    hashes, properties = tuple(sorted(entry.hashes)), tuple(sorted(entry.properties))
    return replace(entry.first, hashes=hashes, properties=properties)


def _platforms(platforms: Iterable[str]) -> tuple[tuple[str, str], ...]:
    return tuple(("reproenv:platform", p) for p in platforms)


def _pip(package: LockedPipPackage, role: str) -> Item:
    files = [*package.wheels, *((package.sdist,) if package.sdist else ())]
    properties = [*_platforms(package.platforms), *(("reproenv:file", f.name) for f in files)]
    if role != ENVIRONMENT:
        properties.append(("reproenv:role", role))
    return Item(
        "library",
        "pypi",
        package.name,
        package.version,
        qualifiers=(("vcs_url", package.vcs),) if package.vcs else (),
        hashes=tuple(("SHA-256", h.removeprefix("sha256:")) for h in package.hashes),
        properties=tuple(properties),
        role=role,
    )


def distribution(lock: Lock) -> str:
    """The purl namespace of the base's apt packages. The lock keeps no os-release, so the
    base's name decides: Ubuntu for an ubuntu image (nvidia/cuda's are), Debian otherwise."""
    references = " ".join(image.reference for image in lock.images).lower()
    return "ubuntu" if "ubuntu" in references else "debian"


def _apt(namespace: str, name: str, version: str, platforms: tuple[str, ...]) -> Item:
    # the lock pins versions, not .deb hashes: apt checks those against the signed archive
    return Item("library", "deb", name, version, namespace, properties=_platforms(platforms))


def _conda(record: LockedCondaPackage) -> Item:
    qualifiers = (
        ("build", record.build),
        ("channel", record.channel),
        ("subdir", record.subdir),
        ("type", "conda" if record.url.endswith(".conda") else "tar.bz2"),
    )
    return Item(
        "library",
        "conda",
        record.name,
        record.version,
        qualifiers=qualifiers,
        hashes=(("MD5", record.md5), ("SHA-256", record.sha256)),
        properties=(("reproenv:url", record.url), *_platforms(record.platforms)),
    )


def _image(image: LockedImage) -> Item:
    """The base by digest: purl `pkg:oci/NAME@DIGEST?repository_url=…&arch=…&tag=…`."""
    repository, tag = split_tag(image.reference)
    os_name, _, machine = image.platform.partition("/")
    arch, _, variant = machine.partition("/")
    qualifiers = [("arch", arch), ("os", os_name), ("repository_url", repository)]
    qualifiers += [("variant", variant)] if variant else []
    qualifiers += [("tag", tag)] if tag else []
    properties = [("reproenv:platform", image.platform)]
    if image.index_digest:
        properties.append(("reproenv:index-digest", image.index_digest))
    algorithm, _, hex_digest = image.digest.partition(":")
    return Item(
        "container",
        "oci",
        repository.rsplit("/", 1)[-1],
        image.digest,
        qualifiers=tuple(sorted(qualifiers)),
        hashes=(("SHA-256", hex_digest),) if algorithm == "sha256" else (),
        properties=tuple(sorted(properties)),
        role="base",
    )


def split_tag(reference: str) -> tuple[str, str]:
    """`docker.io/library/python:3.11` -> (`docker.io/library/python`, `3.11`); a registry's
    port is not a tag."""
    head, _, last = reference.rpartition("/")
    name, _, tag = last.partition(":")
    return (f"{head}/{name}" if head else name), tag
