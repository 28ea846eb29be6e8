"""A fake OCI registry on loopback: enough of the distribution API to pin an image by digest.

Serves one Docker v2 image manifest (and its config blob) per repository:tag, over plain
HTTP, so a real `reproenv` process can lock against it without a Docker engine.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.http import QuietHandler

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class FakeRegistry:
    images: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (repo, tag) -> manifest
    blobs: dict[str, bytes] = field(default_factory=dict)
    status_override: int | None = None  # answer every request with this status
    delay: float = 0.0  # seconds to sit on each request before answering (timeouts)
    requests: list[str] = field(default_factory=list)
    port: int = 0

    def add_image(
        self, repository: str, tag: str, arch: str = "amd64", env: tuple[str, ...] = ()
    ) -> str:
        """`env`: the config's Env (official python images set PYTHON_VERSION=3.11.x)."""
        document: dict[str, object] = {"architecture": arch, "os": "linux", "rootfs": {}}
        if env:
            document["config"] = {"Env": list(env)}
        config = json.dumps(document).encode()
        self.blobs[_digest(config)] = config
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_V2,
                "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                    "size": len(config),
                    "digest": _digest(config),
                },
                "layers": [],
            },
            sort_keys=True,
        ).encode()
        self.images[(repository, tag)] = manifest
        self.images[(repository, _digest(manifest))] = manifest  # as registries serve it too
        return _digest(manifest)

    def add_index(
        self, repository: str, tag: str, archs: tuple[str, ...], env: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """A multi-platform tag, as official images have: returns arch -> manifest digest."""
        digests = {arch: self.add_image(repository, f"{tag}-{arch}", arch, env) for arch in archs}
        for arch, manifest_digest in digests.items():
            self.images[(repository, manifest_digest)] = self.images[(repository, f"{tag}-{arch}")]
        index = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_LIST,
                "manifests": [
                    {
                        "mediaType": MANIFEST_V2,
                        "digest": manifest_digest,
                        "size": len(self.images[(repository, manifest_digest)]),
                        "platform": {"os": "linux", "architecture": arch},
                    }
                    for arch, manifest_digest in digests.items()
                ],
            },
            sort_keys=True,
        ).encode()
        self.images[(repository, tag)] = index
        digests["index"] = _digest(index)
        return digests

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _handler(registry: FakeRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            registry.requests.append(self.path)
            if registry.delay:
                time.sleep(registry.delay)
            if registry.status_override is not None:
                self._send(registry.status_override, b'{"errors":[]}')
                return
            if self.path.rstrip("/") == "/v2":
                self._send(200, b"{}")
                return
            if "/manifests/" in self.path:
                repository, reference = self.path[len("/v2/") :].split("/manifests/")
                manifest = registry.images.get((repository, reference))
                if manifest is None:
                    body = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN"}]}).encode()
                    self._send(404, body, {"Content-Type": "application/json"})
                    return
                kind = MANIFEST_LIST if b'"manifests"' in manifest else MANIFEST_V2
                headers = {"Content-Type": kind, "Docker-Content-Digest": _digest(manifest)}
                self._send(200, manifest, headers)
                return
            if "/blobs/" in self.path:
                blob = registry.blobs.get(self.path.rsplit("/", 1)[1])
                self._send(200 if blob else 404, blob or b"")
                return
            self._send(404)

        do_HEAD = do_GET

    return Handler


@contextmanager
def serve(registry: FakeRegistry) -> Iterator[FakeRegistry]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(registry))
    registry.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
