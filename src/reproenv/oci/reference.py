"""Image references: the docker/distribution grammar, Docker Hub's aliases and mirror mapping.

A tag is a moving pointer; the digest of the platform-specific manifest is what makes a base
image reproducible, so a lock records one digest per platform (and the index digest it came from).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from reproenv.errors import ReproenvError, bad_input, redact
from reproenv.settings import MIRROR_ENV

DOCKER_HUB = "docker.io"
_DOCKER_HUB_API_HOST = "registry-1.docker.io"
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

# The docker/distribution reference grammar.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_RE = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])"
_DOMAIN_RE = re.compile(rf"{_HOST}(?::[0-9]+)?")
_TAG_RE = re.compile(r"[\w][\w.-]{0,127}")
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}")
_MAX_NAME_LENGTH = 255

_REFERENCE_HINT = (
    "Write it as [registry/]name[:tag][@sha256:<64 hex digits>], for example "
    "python:3.11-slim-bookworm or ghcr.io/org/image:1.0; repository names are lowercase."
)


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        ref = text.strip()

        def invalid(why: str) -> ReproenvError:
            return bad_input(
                f"invalid image reference {redact(text, schemeless=True)!r}: {why}",
                reference="bad-image-reference",
                hint=_REFERENCE_HINT,
                image=redact(text, schemeless=True),
            )

        if not ref:
            raise invalid("it is empty")
        digest: str | None = None
        if "@" in ref:
            ref, digest = ref.rsplit("@", 1)
            if not DIGEST_RE.fullmatch(digest):
                raise invalid("the digest must be sha256: followed by 64 lowercase hex digits")
        tag: str | None = None
        last_slash = ref.rfind("/")
        colon = ref.rfind(":")
        if colon > last_slash:
            ref, tag = ref[:colon], ref[colon + 1 :]
            if not _TAG_RE.fullmatch(tag):
                raise invalid(f"{tag!r} is not a valid tag")
        if not ref:
            raise invalid("the name is missing")
        if len(ref) > _MAX_NAME_LENGTH:
            raise invalid(f"the name is longer than {_MAX_NAME_LENGTH} characters")
        registry, repository = _split_name(ref, invalid)
        if tag is None and digest is None:
            tag = "latest"
        return cls(registry=registry, repository=repository, tag=tag, digest=digest)

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def with_digest(self, digest: str) -> ImageRef:
        if not DIGEST_RE.fullmatch(digest):
            raise bad_input(
                f"invalid digest {digest!r} for image {self}",
                reference="bad-image-reference",
                hint="A digest is sha256: followed by 64 lowercase hex digits.",
                image=str(self),
            )
        return dataclasses.replace(self, digest=digest)


def _split_name(name: str, invalid: Callable[[str], ReproenvError]) -> tuple[str, str]:
    """(registry, repository) of a name without tag or digest, Docker Hub's spelled out."""
    first, sep, rest = name.partition("/")
    # As in docker: the first component is a registry only if it looks like a host.
    if sep and ("." in first or ":" in first or first == "localhost"):
        if not _DOMAIN_RE.fullmatch(first):
            raise invalid(f"{first!r} is not a valid registry host")
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name
    if registry.lower() in DOCKER_HUB_ALIASES:
        registry = DOCKER_HUB
        if "/" not in repository:
            repository = f"library/{repository}"
    if not _REPOSITORY_RE.fullmatch(repository):
        if repository.lower() != repository:
            raise invalid("repository names must be lowercase")
        raise invalid(f"{repository!r} is not a valid repository name")
    return registry, repository


@dataclass(frozen=True)
class Mirror:
    host: str
    prefix: str
    scheme: str | None


def parse_mirror(mirror: str, *, hint: str | None = None) -> Mirror:
    """`hint`: what to do, when the address came from somewhere other than the mirror setting."""

    def invalid(why: str) -> ReproenvError:
        return bad_input(
            f"invalid registry mirror {redact(mirror, schemeless=True)!r}: {why}",
            reference="bad-registry-mirror",
            hint=hint
            or (
                f"Set {MIRROR_ENV} (or the mirror setting) to host[:port] or "
                "host[:port]/path/prefix, for example mirror.gcr.io or "
                "harbor.example.com/dockerhub-proxy."
            ),
            mirror=redact(mirror, schemeless=True),
        )

    text = mirror.strip()
    scheme: str | None = None
    # dockerd's registry-mirrors are URLs, so accept that spelling too and honour its scheme.
    match = re.match(r"(?i)(https?)://", text)
    if match:
        scheme = match.group(1).lower()
        text = text[match.end() :]
    text = text.rstrip("/")
    host, _, prefix = text.partition("/")
    if "@" in host:
        raise invalid("credentials don't belong in the mirror address")
    if not host or not _DOMAIN_RE.fullmatch(host):
        raise invalid(f"{host!r} is not a valid host[:port]")
    if prefix and not _REPOSITORY_RE.fullmatch(prefix):
        raise invalid(f"{prefix!r} is not a valid repository path prefix")
    return Mirror(host=host, prefix=prefix, scheme=scheme)


def mirror_reference(ref: ImageRef, mirror: str | None) -> ImageRef:
    """Where to fetch `ref` from when a Docker Hub mirror is configured (like dockerd's)."""
    if not mirror or not mirror.strip():
        return ref
    parsed = parse_mirror(mirror)
    if ref.registry != DOCKER_HUB:
        return ref
    repository = f"{parsed.prefix}/{ref.repository}" if parsed.prefix else ref.repository
    return dataclasses.replace(ref, registry=parsed.host, repository=repository)


def pull_reference(reference: str, digest: str, mirror: str | None) -> str:
    """What to pull for a locked image: its digest, from the mirror when one is set (the lock
    keeps the upstream name; the content is the same)."""
    ref = mirror_reference(ImageRef.parse(reference), mirror)
    return str(ImageRef(ref.registry, ref.repository, None, digest))


def copy_of(ref: ImageRef, mirror: Mirror) -> ImageRef:
    """Where `reproenv mirror` keeps a copy of `ref`: its repository path (library/python,
    nvidia/cuda) under the mirror's prefix, whichever registry it came from."""
    repository = f"{mirror.prefix}/{ref.repository}" if mirror.prefix else ref.repository
    return dataclasses.replace(ref, registry=mirror.host, repository=repository)


def copy_reference(reference: str, digest: str, mirror: str) -> str:
    """What to pull for a locked image whose lock names a mirror holding its copy."""
    ref = copy_of(ImageRef.parse(reference), parse_mirror(mirror))
    return str(ImageRef(ref.registry, ref.repository, None, digest))


@dataclass(frozen=True)
class Target:
    """One repository on the registry actually contacted, plus the upstream name for messages."""

    upstream: ImageRef
    registry: str
    repository: str
    base_url: str

    @property
    def via(self) -> str:
        if self.registry == self.upstream.registry:
            return ""
        return f" (through mirror {self.registry})"


def target_of(ref: ImageRef, mirror: Mirror | None, mirror_text: str | None) -> Target:
    """The repository to contact for `ref`, and over which scheme (plain HTTP on loopback)."""
    contacted = mirror_reference(ref, mirror_text) if mirror else ref
    scheme = "http" if _is_loopback(contacted.registry) else "https"
    if mirror and mirror.scheme and contacted.registry == mirror.host:
        scheme = mirror.scheme
    base_url = f"{scheme}://{_api_host(contacted.registry)}"
    return Target(ref, contacted.registry, contacted.repository, base_url)


def copy_target(ref: ImageRef, mirror: Mirror) -> Target:
    """The repository on `mirror` that holds (or will hold) the copy of `ref`."""
    contacted = copy_of(ref, mirror)
    scheme = mirror.scheme or ("http" if _is_loopback(mirror.host) else "https")
    base_url = f"{scheme}://{_api_host(mirror.host)}"
    return Target(ref, contacted.registry, contacted.repository, base_url)


def _split_host_port(registry: str) -> str:
    if registry.startswith("["):
        return registry[1 : registry.index("]")]
    host, _, port = registry.rpartition(":")
    return host if host and port.isdigit() else registry


def _is_loopback(registry: str) -> bool:
    host = _split_host_port(registry)
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_host(registry: str) -> str:
    return _DOCKER_HUB_API_HOST if registry == DOCKER_HUB else registry
