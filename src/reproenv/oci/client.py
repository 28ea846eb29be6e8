"""RegistryClient: pin an image's platform manifests by digest and read their configs."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reproenv.errors import ReproenvError
from reproenv.oci import errors
from reproenv.oci.auth import RegistryAuth
from reproenv.oci.credentials import CredentialStore
from reproenv.oci.manifest import (
    INDEX_TYPES,
    MANIFEST_ACCEPT,
    config_digest,
    config_platform,
    json_object,
    media_type_of,
    pick_from_index,
    sha256_digest,
    verified_digest,
)
from reproenv.oci.platform import Platform, format_platform, parse_platform
from reproenv.oci.reference import ImageRef, Target, parse_mirror, target_of
from reproenv.oci.transport import Transport
from reproenv.settings import NetworkSettings


@dataclass(frozen=True)
class ResolvedImage:
    reference: str
    platform: str
    digest: str
    index_digest: str | None


@dataclass(frozen=True)
class RawManifest:
    """A manifest as the registry stores it: its bytes are what its digest names."""

    content: bytes
    media_type: str
    digest: str
    document: dict[str, Any]


BLOB_CHUNK = 1024 * 1024  # what a streamed blob read hands over at a time


class RegistryClient:
    """Read-only client for OCI distribution registries; tokens are cached per client."""

    def __init__(
        self,
        *,
        mirror: str | None = None,
        transport: httpx.BaseTransport | None = None,
        network: NetworkSettings | None = None,
        docker_config: Path | None = None,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._mirror = parse_mirror(mirror) if mirror and mirror.strip() else None
        self._mirror_text = mirror
        env = os.environ if env is None else env
        network = network or NetworkSettings.from_env(env)
        self._transport = Transport(transport=transport, env=env, network=network, sleep=sleep)
        self._credentials = CredentialStore(env, docker_config, network.timeout)
        self._auth = RegistryAuth(self._transport, self._credentials)

    def resolve(self, ref: ImageRef, platforms: Sequence[str]) -> list[ResolvedImage]:
        """One platform manifest digest per platform (and the index digest they came from)."""
        upstream = str(dataclasses.replace(ref, digest=None))
        wanted = [parse_platform(p, str(ref)) for p in platforms]
        target = self._target(ref)
        with self._transport.client() as client:
            body, media_type, digest = self._fetch_manifest(client, target)
            if media_type in INDEX_TYPES:
                return [
                    ResolvedImage(
                        reference=upstream,
                        platform=format_platform(platform),
                        digest=pick_from_index(target, body, platform),
                        index_digest=digest,
                    )
                    for platform in wanted
                ]
            actual = config_platform(target, self._config_blob(client, target, body))
        return [_single_platform(target, upstream, digest, actual, p) for p in wanted]

    def config(self, ref: ImageRef) -> dict[str, Any]:
        """The image config (its `config.Env`, os, architecture) of a platform manifest, named
        by digest in `ref`: what the pinned base declares about itself."""
        target = self._target(ref)
        with self._transport.client() as client:
            body, media_type, _ = self._fetch_manifest(client, target)
            if media_type in INDEX_TYPES:
                raise errors.index_not_an_image(ref)
            return self._config_blob(client, target, body)

    def manifest(self, ref: ImageRef) -> RawManifest:
        """The manifest `ref` names (by digest: checked against it), byte for byte."""
        target = self._target(ref)
        with self._transport.client() as client:
            return self._raw_manifest(client, target)

    @contextmanager
    def blob_chunks(self, ref: ImageRef, digest: str) -> Iterator[Iterator[bytes]]:
        """The blob `digest` of `ref`'s repository as it streams in, never whole in memory;
        the reader checks it against its digest (oci/push.py does, as it uploads)."""
        target = self._target(ref)
        with self._transport.client() as client:
            response = self._get(client, target, f"blobs/{digest}", None, stream=True)
            try:
                yield _read(response, target, digest)
            finally:
                response.close()

    def ping(self, ref: ImageRef) -> str:
        target = self._target(ref)
        with self._transport.client() as client:
            response = self._transport.send(client, target, f"{target.base_url}/v2/", {})
        if response.status_code in (200, 401):
            return target.base_url
        raise errors.not_a_registry(target, response.status_code)

    def _target(self, ref: ImageRef) -> Target:
        return target_of(ref, self._mirror, self._mirror_text)

    def _get(
        self,
        client: httpx.Client,
        target: Target,
        path: str,
        accept: str | None,
        *,
        stream: bool = False,
    ) -> httpx.Response:
        """GET with the registry's auth dance: anonymous (or cached token) first, then a retry."""
        url = f"{target.base_url}/v2/{target.repository}/{path}"
        scope = f"repository:{target.repository}:pull"
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = accept
        auth_headers = self._auth.known_headers(target.registry, scope)
        send = self._transport.send
        response = send(client, target, url, headers | auth_headers, stream=stream)
        if response.status_code == 401:
            response.read()  # a streamed challenge: its headers are what counts, then let go
            response.close()
            authorization = self._auth.answer_challenge(client, target, response, scope)
            response = send(
                client, target, url, headers | {"Authorization": authorization}, stream=stream
            )
        if response.status_code >= 400:
            response.read()
            response.close()
            raise self._status_error(target, response)
        return response

    def _status_error(self, target: Target, response: httpx.Response) -> ReproenvError:
        codes = errors.error_codes(response)
        if response.status_code == 404 or codes & {"MANIFEST_UNKNOWN", "NAME_UNKNOWN"}:
            return errors.image_not_found(target)
        if response.status_code in (401, 403):
            had_credentials = self._credentials.lookup(target.registry) is not None
            return errors.auth_failed(target, had_credentials)
        return errors.unexpected(target, response, f"registry {target.registry}")

    def _fetch_manifest(self, client: httpx.Client, target: Target) -> tuple[Any, str, str]:
        raw = self._raw_manifest(client, target)
        return raw.document, raw.media_type, raw.digest

    def _raw_manifest(self, client: httpx.Client, target: Target) -> RawManifest:
        ref = target.upstream
        reference = ref.digest or ref.tag or "latest"
        response = self._get(client, target, f"manifests/{reference}", MANIFEST_ACCEPT)
        content = response.content
        digest = verified_digest(target, response, content, "manifest")
        if ref.digest is not None and digest != ref.digest:
            raise errors.digest_mismatch(target, f"asked for {ref.digest}, got {digest}")
        body = json_object(target, content, "manifest")
        content_type = str(response.headers.get("content-type", ""))
        return RawManifest(content, media_type_of(target, body, content_type), digest, body)

    def _config_blob(self, client: httpx.Client, target: Target, body: Any) -> dict[str, Any]:
        digest = config_digest(target, body)
        content = self._get(client, target, f"blobs/{digest}", None).content
        computed = sha256_digest(content)
        if computed != digest:
            raise errors.digest_mismatch(target, f"config blob {digest} hashes to {computed}")
        return json_object(target, content, "config blob")


def _read(response: httpx.Response, target: Target, digest: str) -> Iterator[bytes]:
    """The body as it arrives; a connection lost midway is the registry's failure to say."""
    try:
        yield from response.iter_bytes(BLOB_CHUNK)
    except httpx.HTTPError as exc:
        # a chained traceback could show request headers (tokens) in debug output
        why = f"{type(exc).__name__} while reading blob {digest}"
        raise errors.unreachable(target.registry, why) from None


def _single_platform(
    target: Target, upstream: str, digest: str, actual: Platform, platform: Platform
) -> ResolvedImage:
    """A single-platform image answers for its own platform only."""
    if actual != platform:
        raise errors.platform_missing(target, platform, [format_platform(actual)])
    return ResolvedImage(
        reference=upstream, platform=format_platform(platform), digest=digest, index_digest=None
    )
