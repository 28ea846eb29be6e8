"""Turn a single-platform tag in a local registry into a two-platform index (amd64 + arm64).

Test infrastructure only: no arm64 image can be built on the test machines, yet multi-platform
locks need a base image whose tag is an index, as official images are. The arm64 entry is a
real, minimal image (one empty layer) that is resolved and pinned but never run.
Usage: python3 multiarch_index.py 127.0.0.1:5055 library/python 3.11-slim-bookworm
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from http.client import HTTPResponse

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def request(
    method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> HTTPResponse:
    # a loopback registry over plain HTTP
    req = urllib.request.Request(url, data=body or None, method=method, headers=headers or {})  # noqa: S310
    answer: HTTPResponse = urllib.request.urlopen(req)  # noqa: S310
    return answer


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_blob(base: str, repo: str, data: bytes) -> str:
    blob = digest(data)
    with request("POST", f"{base}/v2/{repo}/blobs/uploads/") as answer:
        location = answer.headers["Location"]
    separator = "&" if "?" in location else "?"
    if location.startswith("/"):
        location = base + location
    headers = {"Content-Type": "application/octet-stream"}
    request("PUT", f"{location}{separator}digest={blob}", data, headers).close()
    return blob


def main(registry: str, repo: str, tag: str) -> None:
    base = f"http://{registry}"
    accept = {"Accept": f"{MANIFEST_LIST}, {MANIFEST}"}
    with request("GET", f"{base}/v2/{repo}/manifests/{tag}", headers=accept) as answer:
        body = answer.read()
        if answer.headers["Content-Type"] == MANIFEST_LIST:
            return  # already an index
    empty_tar = io.BytesIO()
    tarfile.open(fileobj=empty_tar, mode="w").close()
    layer = gzip.compress(empty_tar.getvalue(), mtime=0)
    config = json.dumps(
        {
            "architecture": "arm64",
            "variant": "v8",
            "os": "linux",
            "config": {"Cmd": ["python3"]},
            "rootfs": {"type": "layers", "diff_ids": [digest(empty_tar.getvalue())]},
        },
        sort_keys=True,
    ).encode()
    arm64 = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config),
                "digest": push_blob(base, repo, config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": len(layer),
                    "digest": push_blob(base, repo, layer),
                }
            ],
        },
        sort_keys=True,
    ).encode()
    arm64_digest = digest(arm64)
    put = {"Content-Type": MANIFEST}
    request("PUT", f"{base}/v2/{repo}/manifests/{arm64_digest}", arm64, put).close()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_LIST,
            "manifests": [
                {"mediaType": MANIFEST, "size": len(body), "digest": digest(body),
                 "platform": {"architecture": "amd64", "os": "linux"}},
                {"mediaType": MANIFEST, "size": len(arm64), "digest": arm64_digest,
                 "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            ],
        },
        sort_keys=True,
    ).encode()  # fmt: skip
    put = {"Content-Type": MANIFEST_LIST}
    request("PUT", f"{base}/v2/{repo}/manifests/{tag}", index, put).close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
