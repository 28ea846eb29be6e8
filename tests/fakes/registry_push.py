"""The fake registry's write side (tests/fakes/registry.py hands writes here), as distribution
answers them: upload sessions (POST, PATCH with Content-Range, PUT ?digest=, DELETE),
cross-repository mounts, and manifest PUTs that refuse a wrong digest or missing references."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from tests.fakes.registry import FakeRegistry

_INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"code": code, "message": message}]})


def handle(
    registry: FakeRegistry, request: httpx.Request, repo: str, kind: str, reference: str
) -> httpx.Response:
    method = request.method
    if kind == "manifests":
        if method == "PUT":
            return _put_manifest(registry, request, repo, reference)
        return httpx.Response(405)
    if reference == "uploads/" and method == "POST":
        return _start(registry, request, repo)
    upload = reference.removeprefix("uploads/")
    if upload not in registry.uploads or registry.uploads[upload][0] != repo:
        return _error(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown")
    if method == "PATCH":
        return _patch(registry, request, repo, upload)
    if method == "PUT":
        return _finish(registry, request, repo, upload)
    if method == "DELETE":
        del registry.uploads[upload]
        return httpx.Response(204)
    return httpx.Response(405)


def _session(repo: str, upload: str) -> dict[str, str]:
    # relative, with a state parameter, as distribution writes it
    return {
        "Location": f"/v2/{repo}/blobs/uploads/{upload}?_state=s{uuid.uuid4().hex[:6]}",
        "Docker-Upload-UUID": upload,
    }


def _start(registry: FakeRegistry, request: httpx.Request, repo: str) -> httpx.Response:
    mount, source = request.url.params.get("mount"), request.url.params.get("from")
    if mount and source and (source, mount) in registry.blobs:
        registry.blobs[(repo, mount)] = registry.blobs[(source, mount)]
        headers = {"Location": f"/v2/{repo}/blobs/{mount}", "Docker-Content-Digest": mount}
        return httpx.Response(201, headers=headers)
    upload = uuid.uuid4().hex
    registry.uploads[upload] = (repo, bytearray())
    return httpx.Response(202, headers={**_session(repo, upload), "Range": "0-0"})


def _patch(
    registry: FakeRegistry, request: httpx.Request, repo: str, upload: str
) -> httpx.Response:
    data = registry.uploads[upload][1]
    content_range = request.headers.get("content-range")
    if content_range is not None:
        start, _, end = content_range.partition("-")
        if int(start) != len(data) or int(end) - int(start) + 1 != len(request.content):
            return _error(416, "BLOB_UPLOAD_INVALID", "range does not follow the upload")
    data += request.content
    return httpx.Response(202, headers={**_session(repo, upload), "Range": f"0-{len(data) - 1}"})


def _finish(
    registry: FakeRegistry, request: httpx.Request, repo: str, upload: str
) -> httpx.Response:
    digest = request.url.params.get("digest", "")
    data = registry.uploads[upload][1] + request.content
    if _sha256(bytes(data)) != digest:
        return _error(400, "DIGEST_INVALID", "provided digest did not match uploaded content")
    del registry.uploads[upload]
    registry.blobs[(repo, digest)] = bytes(data)
    headers = {"Location": f"/v2/{repo}/blobs/{digest}", "Docker-Content-Digest": digest}
    return httpx.Response(201, headers=headers)


def _put_manifest(
    registry: FakeRegistry, request: httpx.Request, repo: str, reference: str
) -> httpx.Response:
    body = request.content
    digest = _sha256(body)
    if reference.startswith("sha256:") and reference != digest:
        return _error(400, "DIGEST_INVALID", "manifest digest did not match")
    media_type = request.headers.get("content-type", "")
    missing = _missing(registry, repo, json.loads(body), media_type)
    if missing:
        return _error(400, "MANIFEST_BLOB_UNKNOWN", f"blob unknown to registry: {missing}")
    registry.add_manifest(repo, body, media_type, *([] if reference == digest else [reference]))
    headers = {"Location": f"/v2/{repo}/manifests/{digest}", "Docker-Content-Digest": digest}
    return httpx.Response(201, headers=headers)


def _missing(registry: FakeRegistry, repo: str, document: Any, media_type: str) -> str | None:
    """The first reference the repository lacks: an index's manifests, an image's blobs."""
    if media_type in _INDEX_TYPES:
        for entry in document.get("manifests", []):
            if (repo, entry["digest"]) not in registry.manifests:
                return str(entry["digest"])
        return None
    for entry in [document.get("config", {}), *document.get("layers", [])]:
        if (repo, entry.get("digest")) not in registry.blobs:
            return str(entry.get("digest"))
    return None
