"""The push side of the registry client, as the OCI distribution spec has it: a blob's existence
(HEAD), a cross-repository mount, a monolithic (POST + PUT) or chunked (POST, PATCH..., PUT)
upload that ends with the digest, and a manifest PUT by digest (or tag) with its media type.

Blobs stream through in bounded chunks and are hashed as they pass: an upload whose bytes do not
hash to the digest it was asked for is cancelled before it is committed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from reproenv.oci import errors
from reproenv.oci.auth import RegistryAuth
from reproenv.oci.credentials import CredentialStore
from reproenv.oci.manifest import MANIFEST_ACCEPT, sha256_digest
from reproenv.oci.reference import DIGEST_RE, Target
from reproenv.oci.transport import Transport
from reproenv.settings import NetworkSettings

CHUNK_SIZE = 8 * 1024 * 1024  # the most of a blob held in memory; smaller blobs go in one PUT
_OCTETS = {"Content-Type": "application/octet-stream"}


class RegistryPusher:
    """Writes blobs and manifests to one or more repositories; one HTTP client while open.
    Credentials and tokens come as for pulls (oci/credentials.py, oci/auth.py)."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        network: NetworkSettings | None = None,
        docker_config: Path | None = None,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        env = os.environ if env is None else env
        network = network or NetworkSettings.from_env(env)
        self._transport = Transport(transport=transport, env=env, network=network, sleep=sleep)
        self._credentials = CredentialStore(env, docker_config, network.timeout)
        self._auth = RegistryAuth(self._transport, self._credentials)
        self._chunk_size = chunk_size
        self._client: httpx.Client | None = None

    def __enter__(self) -> RegistryPusher:
        self._client = self._transport.client()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- blobs ----------------------------------------------------------------------------

    def blob_exists(self, target: Target, digest: str) -> bool:
        return self._exists(target, f"blobs/{digest}", {})

    def mount_blob(self, target: Target, digest: str, source_repository: str) -> bool:
        """Whether the registry linked the blob from another of its repositories (201); it may
        decline (202, an upload session, which is cancelled: the caller uploads instead)."""
        scope = f"repository:{target.repository}:pull,push repository:{source_repository}:pull"
        url = f"{_uploads(target)}?mount={digest}&from={source_repository}"
        response = self._send(target, "POST", url, {}, scope=scope)
        if response.status_code == 201:
            return True
        if response.status_code == 202:
            self._cancel(target, response)
            return False
        raise self._rejected(target, response, f"the mount of blob {digest}")

    def upload_blob(self, target: Target, digest: str, size: int, chunks: Iterable[bytes]) -> int:
        """Uploads the blob `digest` of `size` bytes from `chunks`, hashing them as they pass;
        the upload is committed only when they hash to `digest`. Returns the bytes sent."""
        started = self._send(target, "POST", _uploads(target), {})
        if started.status_code != 202:
            raise self._rejected(target, started, f"the upload of blob {digest}")
        location = _location(target, started)
        hasher, sent = hashlib.sha256(), 0
        pieces = _rechunk(chunks, self._chunk_size)
        first = next(pieces, b"")
        following = next(pieces, None)
        try:
            if following is None:  # it fits one request: the monolithic upload
                hasher.update(first)
                sent = len(first)
                self._check(target, digest, size, hasher, sent)
                self._finish(target, location, digest, first)
                return sent
            for piece in _chain(first, following, pieces):
                hasher.update(piece)
                headers = {**_OCTETS, "Content-Range": f"{sent}-{sent + len(piece) - 1}"}
                response = self._send(target, "PATCH", location, headers, content=piece)
                if response.status_code != 202:
                    raise self._rejected(target, response, f"a chunk of blob {digest}")
                location = _location(target, response)
                sent += len(piece)
            self._check(target, digest, size, hasher, sent)
            self._finish(target, location, digest, b"")
        except BaseException:
            self._cancel_url(target, location)
            raise
        return sent

    def _check(self, target: Target, digest: str, size: int, hasher: Any, sent: int) -> None:
        computed = f"sha256:{hasher.hexdigest()}"
        if computed != digest:
            raise errors.copy_mismatch(target, f"blob {digest}", f"hashes to {computed}")
        if sent != size:
            raise errors.copy_mismatch(target, f"blob {digest}", f"has {sent} bytes, not {size}")

    def _finish(self, target: Target, location: str, digest: str, body: bytes) -> None:
        url = str(httpx.URL(location).copy_merge_params({"digest": digest}))
        response = self._send(target, "PUT", url, _OCTETS, content=body)
        if response.status_code != 201:
            raise self._rejected(target, response, f"blob {digest}")
        _agree(target, response, digest, f"blob {digest}")

    # -- manifests ------------------------------------------------------------------------

    def manifest_exists(self, target: Target, digest: str) -> bool:
        return self._exists(target, f"manifests/{digest}", {"Accept": MANIFEST_ACCEPT})

    def push_manifest(self, target: Target, reference: str, content: bytes, media_type: str) -> str:
        """PUTs `content` as it is (its bytes are what its digest names) under `reference`, a
        digest (checked against the content first) or a tag; returns the content's digest."""
        digest = sha256_digest(content)
        if DIGEST_RE.fullmatch(reference) and digest != reference:
            raise errors.copy_mismatch(target, f"manifest {reference}", f"hashes to {digest}")
        url = f"{target.base_url}/v2/{target.repository}/manifests/{reference}"
        response = self._send(target, "PUT", url, {"Content-Type": media_type}, content=content)
        if response.status_code != 201:
            raise self._rejected(target, response, f"manifest {reference}")
        _agree(target, response, digest, f"manifest {reference}")
        return digest

    # -- HTTP -----------------------------------------------------------------------------

    def _exists(self, target: Target, path: str, headers: dict[str, str]) -> bool:
        url = f"{target.base_url}/v2/{target.repository}/{path}"
        response = self._send(target, "HEAD", url, headers)
        if response.status_code == 200:
            return True
        if response.status_code == 404:
            return False
        raise self._rejected(target, response, f"a look-up of {path}")

    def _send(
        self,
        target: Target,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        scope: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request with the auth dance; bodies are bytes, so a retry sends them again."""
        if self._client is None:
            raise RuntimeError("RegistryPusher is used outside its `with` block")
        scope = scope or f"repository:{target.repository}:pull,push"
        known = self._auth.known_headers(target.registry, scope)
        send = self._transport.send
        response = send(self._client, target, url, {**headers, **known}, method=method, **kwargs)
        if response.status_code == 401:
            answer = self._auth.answer_challenge(self._client, target, response, scope)
            authorized = {**headers, "Authorization": answer}
            response = send(self._client, target, url, authorized, method=method, **kwargs)
        if response.status_code in (401, 403):
            had_credentials = self._credentials.lookup(target.registry) is not None
            raise errors.push_denied(target, had_credentials)
        return response

    def _rejected(self, target: Target, response: httpx.Response, what: str) -> Exception:
        return errors.push_rejected(target, response, what)

    def _cancel(self, target: Target, response: httpx.Response) -> None:
        if response.headers.get("location"):
            self._cancel_url(target, _location(target, response))

    def _cancel_url(self, target: Target, location: str) -> None:
        """Best effort: registries also purge abandoned uploads themselves."""
        # the failure that led here is the one to report
        with contextlib.suppress(Exception):
            self._send(target, "DELETE", location, {})


def _uploads(target: Target) -> str:
    return f"{target.base_url}/v2/{target.repository}/blobs/uploads/"


def _location(target: Target, response: httpx.Response) -> str:
    """The upload session's URL, which registries may give relative to themselves."""
    location = response.headers.get("location")
    if not location:
        raise errors.push_rejected(target, response, "an upload without a Location")
    return str(httpx.URL(target.base_url).join(location))


def _agree(target: Target, response: httpx.Response, digest: str, what: str) -> None:
    said = str(response.headers.get("docker-content-digest", "")).strip()
    if said and said != digest:
        raise errors.push_rejected(target, response, f"{what} (it stored {said})")


def _rechunk(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """`chunks` regrouped into pieces of `size` bytes (the last may be shorter)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def _chain(first: bytes, second: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield second
    yield from rest
