"""Manifests, indexes and config blobs as registries serve them: media types, digest checks,
the platform entry of an index, what an image config declares."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reproenv.oci import errors
from reproenv.oci.platform import Platform, descriptor_platform, format_platform
from reproenv.oci.reference import DIGEST_RE, Target

if TYPE_CHECKING:
    import httpx

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
# All four, always: registry 2.8 answers an OCI-only Accept with a converted schema1 manifest
# whose digest differs from the one `docker pull` would use.
MANIFEST_ACCEPT = ", ".join([OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST])

_ANY_DIGEST_RE = re.compile(r"(?P<algorithm>[a-z0-9]+(?:[.+_-][a-z0-9]+)*):(?P<hex>[a-fA-F0-9]+)")


def sha256_digest(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def verified_digest(target: Target, response: httpx.Response, content: bytes, what: str) -> str:
    """The content's digest: the registry's Docker-Content-Digest once the body matches it."""
    computed = sha256_digest(content)
    header = str(response.headers.get("docker-content-digest", "")).strip()
    if not header:
        return computed
    match = _ANY_DIGEST_RE.fullmatch(header)
    if match is None:
        raise errors.digest_mismatch(target, f"unparseable {what} digest header {header!r}")
    algorithm = match.group("algorithm")
    if algorithm not in hashlib.algorithms_available:
        # Can't check it, but it's the registry's own identifier for the content.
        return header
    if hashlib.new(algorithm, content).hexdigest() != match.group("hex").lower():
        raise errors.digest_mismatch(
            target, f"{what} body hashes to {computed}, header says {header}"
        )
    return header


def json_object(target: Target, content: bytes, what: str) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise errors.not_a_json_object(target, what)
    return body


def media_type_of(target: Target, body: dict[str, Any], content_type: str) -> str:
    """An index or image manifest type, from the document, else its Content-Type or shape."""
    media_type = body.get("mediaType") if isinstance(body.get("mediaType"), str) else None
    if media_type is None:
        media_type = content_type.split(";")[0].strip()
        # OCI allows omitting mediaType; the document's shape still tells.
        if media_type not in INDEX_TYPES | _MANIFEST_TYPES:
            media_type = (
                OCI_INDEX if "manifests" in body else OCI_MANIFEST if "config" in body else ""
            )
    if media_type not in INDEX_TYPES | _MANIFEST_TYPES:
        raise errors.unsupported_manifest(target, media_type)
    return media_type


def pick_from_index(target: Target, body: Any, platform: Platform) -> str:
    """The digest of the index entry for `platform`, skipping attestation entries."""
    available: list[str] = []
    entries = body.get("manifests")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        entry_platform = descriptor_platform(entry.get("platform"))
        annotations = entry.get("annotations")
        # BuildKit's provenance/SBOM attestations are listed as unknown/unknown.
        if entry_platform is None or entry_platform[:2] == ("unknown", "unknown"):
            continue
        if isinstance(annotations, dict) and "vnd.docker.reference.type" in annotations:
            continue
        available.append(format_platform(entry_platform))
        digest = entry.get("digest")
        if entry_platform == platform and isinstance(digest, str):
            if not DIGEST_RE.fullmatch(digest):
                raise errors.digest_mismatch(target, f"index entry has digest {digest!r}")
            return digest
    raise errors.platform_missing(target, platform, available)


def config_digest(target: Target, body: Any) -> str:
    """The digest of the config blob an image manifest names."""
    config = body.get("config")
    digest = config.get("digest") if isinstance(config, dict) else None
    if not isinstance(digest, str) or not DIGEST_RE.fullmatch(digest):
        raise errors.no_config_blob(target)
    return digest


def config_platform(target: Target, blob: dict[str, Any]) -> Platform:
    platform = descriptor_platform(blob)
    if platform is None:
        raise errors.config_without_platform(target)
    return platform


def python_version_of(config: Mapping[str, Any]) -> str | None:
    """`PYTHON_VERSION` of an image config's Env (the official python images set it, e.g.
    3.11.9), or None when the image does not declare one."""
    inner = config.get("config")
    env = inner.get("Env") if isinstance(inner, dict) else None
    for item in env if isinstance(env, list) else []:
        if isinstance(item, str) and item.startswith("PYTHON_VERSION="):
            return item.split("=", 1)[1].strip() or None
    return None
