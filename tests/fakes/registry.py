"""One fake OCI registry: images, manifests, indexes, blobs and auth rules, served either way.

`FakeRegistry.transport()` answers in-process as an `httpx.MockTransport` (unit tests of the
client); `tests.fakes.registry_server.serve` puts the same registry on loopback HTTP, so a real
`reproenv` process can lock against it without a Docker engine. Both go through `handle`, so
what one mode answers the other answers too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from tests.fakes import registry_push as push

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
HUB_API = "registry-1.docker.io"
REALM = "https://auth.fake.test/token"  # in-process; a served registry hands out its own tokens
SERVICE = "fake.test"

Auth = Literal["bearer", "basic"]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _compact(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True).encode()


@dataclass
class FakeRegistry:
    """A minimal distribution-spec registry, keyed by (repository, tag or digest)."""

    host: str = HUB_API  # requests to any other host are refused, as a closed port would be
    auth: Auth | None = None
    users: dict[str, str] = field(default_factory=dict)  # user -> password
    anonymous: bool = True  # whether the token service hands out anonymous tokens
    digest_header: bool = True  # send Docker-Content-Digest with manifests
    realm: str = REALM
    manifests: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    blobs: dict[tuple[str, str], bytes] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)  # token -> user (None: anonymous)
    status_override: int | None = None  # answer every request with this status
    push_allowed: bool = True  # False: every write is denied (403), as a read-only account's
    uploads: dict[str, tuple[str, bytearray]] = field(default_factory=dict)  # id -> repo, data
    delay: float = 0.0  # seconds to sit on each request before answering (timeouts)
    requests: list[httpx.Request] = field(default_factory=list)

    # -- content --------------------------------------------------------------------------

    def add_manifest(self, repo: str, body: bytes, media_type: str, *tags: str) -> str:
        """Stores `body` under its digest and each tag; returns the digest."""
        digest = sha256(body)
        for reference in (digest, *tags):
            self.manifests[(repo, reference)] = (body, media_type)
        return digest

    def add_blob(self, repo: str, body: bytes) -> str:
        digest = sha256(body)
        self.blobs[(repo, digest)] = body
        return digest

    def add_image(
        self,
        repo: str,
        tag: str | None = None,
        *,
        os: str = "linux",
        arch: str = "amd64",
        variant: str | None = None,
        env: tuple[str, ...] = (),
    ) -> str:
        """A single-platform Docker v2 image (config blob + manifest); returns its digest.

        `env`: the config's Env (official python images set PYTHON_VERSION=3.11.x).
        """
        document: dict[str, Any] = {"architecture": arch, "os": os, "rootfs": {}}
        if variant:
            document["variant"] = variant
        if env:
            document["config"] = {"Env": list(env)}
        config = json.dumps(document).encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": DOCKER_CONFIG, "size": len(config), "digest": sha256(config)},
            "layers": [],
        }
        self.add_blob(repo, config)
        tags = (tag,) if tag else ()
        return self.add_manifest(repo, _compact(manifest), DOCKER_MANIFEST, *tags)

    def add_index(
        self, repo: str, tag: str, archs: tuple[str, ...], env: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """A multi-platform tag, as official images have: returns arch -> manifest digest,
        and "index" -> the index's digest."""
        digests = {
            arch: self.add_image(repo, f"{tag}-{arch}", arch=arch, env=env) for arch in archs
        }
        entries = [
            {
                "mediaType": DOCKER_MANIFEST,
                "digest": digest,
                "size": len(self.manifests[(repo, digest)][0]),
                "platform": {"os": "linux", "architecture": arch},
            }
            for arch, digest in digests.items()
        ]
        index = _compact(
            {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST_LIST, "manifests": entries}
        )
        digests["index"] = self.add_manifest(repo, index, DOCKER_MANIFEST_LIST, tag)
        return digests

    # -- what was asked -------------------------------------------------------------------

    @property
    def address(self) -> str:
        """host[:port], as REPROENV_REGISTRY_MIRROR takes it."""
        return self.host

    @property
    def paths(self) -> list[str]:
        """Each request's path and query, in order."""
        return [r.url.raw_path.decode() for r in self.requests]

    def registry_requests(self, kind: str = "") -> list[httpx.Request]:
        """Requests to the distribution API (`kind`: "manifests" or "blobs" narrows them)."""
        return [
            r
            for r in self.requests
            if r.url.netloc.decode() == self.host
            and f"/{kind}" in r.url.path
            and "/v2/" in r.url.path
        ]

    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if str(r.url).startswith(self.realm)]

    # -- HTTP -----------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        if str(request.url).startswith(self.realm):
            return self._token(request)
        if request.url.netloc.decode() != self.host:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if self.status_override is not None:
            return httpx.Response(self.status_override, json={"errors": []})
        path = request.url.path
        if path.rstrip("/") == "/v2":
            return self._check_auth(request, "") or httpx.Response(200, json={})
        found = _split(path)
        if found is None:
            return httpx.Response(404)
        repo, kind, reference = found
        writing = request.method not in ("GET", "HEAD")
        denied = self._check_auth(request, repo, push=writing)
        if denied is not None:
            return denied
        if writing or reference.startswith("uploads/"):
            if not self.push_allowed:
                return _error(403, "DENIED", "requested access to the resource is denied")
            return push.handle(self, request, repo, kind, reference)
        if kind == "manifests":
            return self._manifest(repo, reference)
        blob = self.blobs.get((repo, reference))
        if blob is None:
            return _error(404, "BLOB_UNKNOWN", "blob unknown")
        return httpx.Response(200, content=blob)

    def _manifest(self, repo: str, reference: str) -> httpx.Response:
        found = self.manifests.get((repo, reference))
        if found is None:
            return _error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        body, media_type = found
        headers = {"Content-Type": media_type}
        if self.digest_header:
            headers["Docker-Content-Digest"] = sha256(body)
        return httpx.Response(200, content=body, headers=headers)

    # -- auth -----------------------------------------------------------------------------

    def _check_auth(
        self, request: httpx.Request, repo: str, *, push: bool = False
    ) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if self.auth == "bearer":
            if header.startswith("Bearer ") and header.removeprefix("Bearer ") in self.tokens:
                return None
            challenge = f'Bearer realm="{self.realm}",service="{SERVICE}"'
            if repo:
                actions = "pull,push" if push else "pull"
                challenge += f',scope="repository:{repo}:{actions}"'
            return _error(401, "UNAUTHORIZED", "authentication required", challenge)
        if self.auth == "basic":
            if header.startswith("Basic ") and self._user(header) is not None:
                return None
            return _error(401, "UNAUTHORIZED", "authentication required", 'Basic realm="fake"')
        return None

    def _user(self, header: str) -> str | None:
        decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
        user, _, password = decoded.partition(":")
        return user if self.users.get(user) == password else None

    def _token(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("authorization", "")
        if header:
            user = self._user(header)
            if user is None:
                return _error(401, "UNAUTHORIZED", "incorrect username or password")
        elif not self.anonymous:
            return _error(401, "UNAUTHORIZED", "login required")
        else:
            user = None
        token = f"token-{len(self.tokens) + 1}-{user or 'anonymous'}"
        self.tokens[token] = user
        # Docker Hub sends both; the client must accept either.
        return httpx.Response(200, json={"token": token, "access_token": token})


def _split(path: str) -> tuple[str, str, str] | None:
    """/v2/<repo>/(manifests|blobs)/<reference> -> (repo, kind, reference)."""
    rest = path.removeprefix("/v2/")
    for kind in ("manifests", "blobs"):
        marker = f"/{kind}/"
        if marker in rest:
            repo, reference = rest.rsplit(marker, 1)
            return repo, kind, reference
    return None


def _error(status: int, code: str, message: str, challenge: str | None = None) -> httpx.Response:
    headers = {"WWW-Authenticate": challenge} if challenge else {}
    body = {"errors": [{"code": code, "message": message}]}
    return httpx.Response(status, json=body, headers=headers)
