"""Pin container base images by digest through the OCI distribution API.

A tag is a moving pointer; the digest of the platform-specific manifest is what makes a base
image reproducible, so a lock records one digest per platform (and the index digest it came from).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reproenv import __version__
from reproenv.errors import ReproenvError, bad_input, environment
from reproenv.settings import NetworkSettings

DOCKER_HUB = "docker.io"
_DOCKER_HUB_API_HOST = "registry-1.docker.io"
_DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
# The key `docker login` writes for Docker Hub, and the server URL credential helpers expect.
_DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"

USERNAME_ENV = "REPROENV_REGISTRY_USERNAME"
PASSWORD_ENV = "REPROENV_REGISTRY_PASSWORD"  # noqa: S105 (a variable name)
MIRROR_ENV = "REPROENV_REGISTRY_MIRROR"
CA_CERT_ENV = "REPROENV_CA_CERT"

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
_INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
# All four, always: registry 2.8 answers an OCI-only Accept with a converted schema1 manifest
# whose digest differs from the one `docker pull` would use.
MANIFEST_ACCEPT = ", ".join([OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST])

# The docker/distribution reference grammar.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_RE = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])"
_DOMAIN_RE = re.compile(rf"{_HOST}(?::[0-9]+)?")
_TAG_RE = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}")
_ANY_DIGEST_RE = re.compile(r"(?P<algorithm>[a-z0-9]+(?:[.+_-][a-z0-9]+)*):(?P<hex>[a-fA-F0-9]+)")
_MAX_NAME_LENGTH = 255

_REFERENCE_HINT = (
    "Write it as [registry/]name[:tag][@sha256:<64 hex digits>], for example "
    "python:3.11-slim-bookworm or ghcr.io/org/image:1.0; repository names are lowercase."
)
_NETWORK_HINT = (
    "Check the network connection and proxy settings; if the registry can't be reached from "
    f"here, set {MIRROR_ENV} to a reachable mirror, and run `reproenv doctor`."
)
_AUTH_HINT = (
    "If the image is private, run `docker login {host}` or set "
    f"{USERNAME_ENV} and {PASSWORD_ENV}; if it is public, check the name is spelled "
    "correctly (registries answer 401 for repositories that don't exist)."
)


# userinfo before a host, not a name before a digest (`python@sha256:...`)
_USERINFO_RE = re.compile(
    r"^(\s*(?:[a-zA-Z][\w+.-]*://)?)[^/@\s]+@(?![a-z0-9.+_-]+:[a-fA-F0-9]*\s*$)"
)


def _mask_userinfo(text: str) -> str:
    """`user:pass@host/...` typed without a scheme, which `redact` doesn't recognise."""
    return _USERINFO_RE.sub(r"\1***@", text)


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
                f"invalid image reference {_mask_userinfo(text)!r}: {why}",
                reference="bad-image-reference",
                hint=_REFERENCE_HINT,
                image=_mask_userinfo(text),
            )

        if not ref:
            raise invalid("it is empty")
        digest: str | None = None
        if "@" in ref:
            ref, digest = ref.rsplit("@", 1)
            if not _DIGEST_RE.fullmatch(digest):
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

        first, sep, rest = ref.partition("/")
        # As in docker: the first component is a registry only if it looks like a host.
        if sep and ("." in first or ":" in first or first == "localhost"):
            if not _DOMAIN_RE.fullmatch(first):
                raise invalid(f"{first!r} is not a valid registry host")
            registry, repository = first, rest
        else:
            registry, repository = DOCKER_HUB, ref
        if registry.lower() in _DOCKER_HUB_ALIASES:
            registry = DOCKER_HUB
            if "/" not in repository:
                repository = f"library/{repository}"
        if not _REPOSITORY_RE.fullmatch(repository):
            if repository.lower() != repository:
                raise invalid("repository names must be lowercase")
            raise invalid(f"{repository!r} is not a valid repository name")
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
        if not _DIGEST_RE.fullmatch(digest):
            raise bad_input(
                f"invalid digest {digest!r} for image {self}",
                reference="bad-image-reference",
                hint="A digest is sha256: followed by 64 lowercase hex digits.",
                image=str(self),
            )
        return dataclasses.replace(self, digest=digest)


@dataclass(frozen=True)
class ResolvedImage:
    reference: str
    platform: str
    digest: str
    index_digest: str | None


@dataclass(frozen=True)
class _Mirror:
    host: str
    prefix: str
    scheme: str | None


def _parse_mirror(mirror: str) -> _Mirror:
    def invalid(why: str) -> ReproenvError:
        return bad_input(
            f"invalid registry mirror {_mask_userinfo(mirror)!r}: {why}",
            reference="bad-registry-mirror",
            hint=(
                f"Set {MIRROR_ENV} (or the mirror setting) to host[:port] or "
                "host[:port]/path/prefix, for example mirror.gcr.io or "
                "harbor.example.com/dockerhub-proxy."
            ),
            mirror=_mask_userinfo(mirror),
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
    return _Mirror(host=host, prefix=prefix, scheme=scheme)


def mirror_reference(ref: ImageRef, mirror: str | None) -> ImageRef:
    """Where to fetch `ref` from when a Docker Hub mirror is configured (like dockerd's)."""
    if not mirror or not mirror.strip():
        return ref
    parsed = _parse_mirror(mirror)
    if ref.registry != DOCKER_HUB:
        return ref
    repository = f"{parsed.prefix}/{ref.repository}" if parsed.prefix else ref.repository
    return dataclasses.replace(ref, registry=parsed.host, repository=repository)


def pull_reference(reference: str, digest: str, mirror: str | None) -> str:
    """What to pull for a locked image: its digest, from the mirror when one is set (the lock
    keeps the upstream name; the content is the same)."""
    ref = mirror_reference(ImageRef.parse(reference), mirror)
    return str(ImageRef(ref.registry, ref.repository, None, digest))


def python_version_of(config: Mapping[str, Any]) -> str | None:
    """`PYTHON_VERSION` of an image config's Env (the official python images set it, e.g.
    3.11.9), or None when the image does not declare one."""
    inner = config.get("config")
    env = inner.get("Env") if isinstance(inner, dict) else None
    for item in env if isinstance(env, list) else []:
        if isinstance(item, str) and item.startswith("PYTHON_VERSION="):
            return item.split("=", 1)[1].strip() or None
    return None


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


def _normalise_auth_key(key: str) -> str:
    """`https://index.docker.io/v1/`, `ghcr.io`, `http://host:5000/` -> the bare registry."""
    text = re.sub(r"(?i)^https?://", "", key.strip()).split("/", 1)[0].lower()
    return DOCKER_HUB if text in _DOCKER_HUB_ALIASES else text


@dataclass(frozen=True)
class _Credentials:
    username: str
    password: str
    # An OAuth2 refresh token (`docker login` with identity tokens, `az acr login`).
    identity_token: bool = False


@dataclass(frozen=True)
class _Challenge:
    scheme: str
    params: dict[str, str]


_CHALLENGE_PARAM_RE = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))')


def _parse_challenges(values: list[str]) -> list[_Challenge]:
    challenges = []
    for value in values:
        # Several challenges may share one header: split before each `Scheme ` word.
        for part in re.split(r",?\s*(?=\b(?:Bearer|Basic)\s)", value, flags=re.IGNORECASE):
            scheme, _, rest = part.strip().partition(" ")
            if not scheme:
                continue
            params = {
                m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                for m in _CHALLENGE_PARAM_RE.finditer(rest)
            }
            challenges.append(_Challenge(scheme.lower(), params))
    return challenges


_Platform = tuple[str, str, str | None]

_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm"}


def _normalise_platform(os_name: str, arch: str, variant: str | None) -> _Platform:
    """Canonical (os, arch, variant), so that arm64 == arm64/v8 and arm == arm/v7 (containerd)."""
    os_name = os_name.lower()
    arch = _ARCH_ALIASES.get(arch.lower(), arch.lower())
    variant = variant.lower() if variant else None
    if arch == "arm64" and variant == "v8":
        variant = None
    elif arch == "arm" and variant is None:
        variant = "v7"
    elif arch == "amd64" and variant == "v1":
        variant = None
    return (os_name, arch, variant)


def _format_platform(platform: _Platform) -> str:
    os_name, arch, variant = platform
    return f"{os_name}/{arch}/{variant}" if variant else f"{os_name}/{arch}"


def _parse_platform(text: str, image: str) -> _Platform:
    parts = text.strip().split("/")
    if len(parts) not in (2, 3) or not all(re.fullmatch(r"[A-Za-z0-9_.-]+", p) for p in parts):
        raise bad_input(
            f"invalid platform {text!r} requested for image {image}",
            reference="bad-platform",
            hint="Write platforms as os/architecture[/variant], e.g. linux/amd64 or linux/arm64.",
            image=image,
            platform=text,
        )
    return _normalise_platform(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def _descriptor_platform(platform: Any) -> _Platform | None:
    if not isinstance(platform, dict):
        return None
    os_name, arch, variant = (
        platform.get("os"),
        platform.get("architecture"),
        platform.get("variant"),
    )
    if not isinstance(os_name, str) or not isinstance(arch, str):
        return None
    return _normalise_platform(os_name, arch, variant if isinstance(variant, str) else None)


@dataclass(frozen=True)
class _Target:
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
        self._mirror = _parse_mirror(mirror) if mirror and mirror.strip() else None
        self._mirror_text = mirror
        self._transport = transport
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._network = network or NetworkSettings.from_env(self._env)
        self._timeout = self._network.timeout
        self._sleep = sleep
        self._docker_config = docker_config
        self._tokens: dict[tuple[str, str], str] = {}
        self._credentials: dict[str, _Credentials | None] = {}
        self._basic_hosts: set[str] = set()

    # -- public ---------------------------------------------------------------------------

    def resolve(self, ref: ImageRef, platforms: Sequence[str]) -> list[ResolvedImage]:
        upstream = str(dataclasses.replace(ref, digest=None))
        wanted = [_parse_platform(p, str(ref)) for p in platforms]
        target = self._target(ref)
        with self._client() as client:
            body, media_type, digest = self._fetch_manifest(client, target)
            if media_type in _INDEX_TYPES:
                return [
                    ResolvedImage(
                        reference=upstream,
                        platform=_format_platform(platform),
                        digest=self._pick_from_index(target, body, platform),
                        index_digest=digest,
                    )
                    for platform in wanted
                ]
            actual = self._config_platform(client, target, body)
        resolved = []
        for platform in wanted:
            if actual != platform:
                raise self._platform_missing(target, platform, [_format_platform(actual)])
            resolved.append(
                ResolvedImage(
                    reference=upstream,
                    platform=_format_platform(platform),
                    digest=digest,
                    index_digest=None,
                )
            )
        return resolved

    def config(self, ref: ImageRef) -> dict[str, Any]:
        """The image config (its `config.Env`, os, architecture) of a platform manifest, named
        by digest in `ref`: what the pinned base declares about itself."""
        target = self._target(ref)
        with self._client() as client:
            body, media_type, _ = self._fetch_manifest(client, target)
            if media_type in _INDEX_TYPES:
                raise bad_input(
                    f"{ref} names an image index, not one platform's image",
                    reference="image-manifest-unsupported",
                    hint="Pass the digest of a platform manifest (as reproenv.lock records).",
                    image=str(ref),
                )
            return self._config_blob(client, target, body)

    def ping(self, ref: ImageRef) -> str:
        target = self._target(ref)
        with self._client() as client:
            response = self._send(client, target, f"{target.base_url}/v2/", {})
        if response.status_code in (200, 401):
            return target.base_url
        raise environment(
            f"registry {target.registry} answered HTTP {response.status_code} at "
            f"{target.base_url}/v2/; it doesn't look like a working OCI registry",
            reference="registry-unreachable",
            hint=_NETWORK_HINT,
            registry=target.registry,
        )

    # -- plumbing -------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        ca_cert = self._env.get(CA_CERT_ENV)
        verify: ssl.SSLContext | bool = True
        if ca_cert and self._transport is None:
            try:
                verify = ssl.create_default_context(cafile=ca_cert)
            except (OSError, ssl.SSLError) as exc:
                raise environment(
                    f"cannot load the CA bundle {ca_cert} named by {CA_CERT_ENV}: {exc}",
                    reference="bad-ca-cert",
                    hint=f"Point {CA_CERT_ENV} at a readable PEM file, or unset it.",
                    path=ca_cert,
                ) from None
        return httpx.Client(
            transport=self._transport,
            timeout=self._timeout,
            # Blob fetches redirect to object storage; httpx drops Authorization across hosts.
            follow_redirects=True,
            verify=verify,
            headers={"User-Agent": f"reproenv/{__version__}"},
        )

    def _target(self, ref: ImageRef) -> _Target:
        contacted = mirror_reference(ref, self._mirror_text) if self._mirror else ref
        scheme = "http" if _is_loopback(contacted.registry) else "https"
        if self._mirror and self._mirror.scheme and contacted.registry == self._mirror.host:
            scheme = self._mirror.scheme
        base_url = f"{scheme}://{_api_host(contacted.registry)}"
        return _Target(ref, contacted.registry, contacted.repository, base_url)

    def _unreachable(self, host: str, why: str) -> ReproenvError:
        return environment(
            f"registry {host} is unreachable: {why}",
            reference="registry-unreachable",
            hint=_NETWORK_HINT,
            registry=host,
        )

    def _send(
        self,
        client: httpx.Client,
        target: _Target,
        url: str,
        headers: Mapping[str, str],
        *,
        host: str | None = None,
        method: str = "GET",
        **kwargs: Any,
    ) -> httpx.Response:
        who = host or target.registry
        # transient failures (connection, timeout, 5xx, 429) are retried with backoff
        for delay in [*self._network.delays(), None]:
            try:
                response = client.request(method, url, headers=dict(headers), **kwargs)
            except httpx.TimeoutException:
                failure = "the request timed out"
            except httpx.HTTPError as exc:
                # a chained traceback could show request headers (tokens) in debug output
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                failure = f"HTTP {response.status_code} from {response.url.host}"
            if delay is None:
                break
            self._sleep(delay)
        attempts = self._network.retries + 1
        if failure.startswith("HTTP 429"):
            raise environment(
                f"registry {who} is rate-limiting requests for {target.upstream}{target.via}",
                reference="registry-rate-limited",
                hint=(
                    f"Wait and retry, log in (`docker login` or {USERNAME_ENV}/{PASSWORD_ENV}) "
                    f"for a higher limit, or set {MIRROR_ENV} to a pull-through mirror."
                ),
                registry=who,
                image=str(target.upstream),
            )
        raise self._unreachable(who, f"{failure} ({attempts} attempts)")

    def _get(
        self, client: httpx.Client, target: _Target, path: str, accept: str | None
    ) -> httpx.Response:
        """GET with the registry's auth dance: anonymous (or cached token) first, then a retry."""
        url = f"{target.base_url}/v2/{target.repository}/{path}"
        scope = f"repository:{target.repository}:pull"
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = accept
        auth_headers: dict[str, str] = {}
        token = self._tokens.get((target.registry, scope))
        if token is not None:
            auth_headers["Authorization"] = f"Bearer {token}"
        elif target.registry in self._basic_hosts:
            creds = self._lookup_credentials(target.registry)
            if creds is not None:
                auth_headers["Authorization"] = _basic_header(creds)
        response = self._send(client, target, url, headers | auth_headers)
        if response.status_code == 401:
            authorization = self._answer_challenge(client, target, response, scope)
            response = self._send(client, target, url, headers | {"Authorization": authorization})
        if response.status_code >= 400:
            self._raise_for_status(target, response)
        return response

    def _answer_challenge(
        self, client: httpx.Client, target: _Target, response: httpx.Response, scope: str
    ) -> str:
        challenges = _parse_challenges(response.headers.get_list("www-authenticate"))
        creds = self._lookup_credentials(target.registry)
        for challenge in challenges:
            if challenge.scheme == "bearer" and challenge.params.get("realm"):
                token = self._fetch_token(client, target, challenge, scope, creds)
                self._tokens[(target.registry, scope)] = token
                return f"Bearer {token}"
        for challenge in challenges:
            if challenge.scheme == "basic" and creds is not None and not creds.identity_token:
                self._basic_hosts.add(target.registry)
                return _basic_header(creds)
        raise self._auth_failed(target, creds is not None)

    def _fetch_token(
        self,
        client: httpx.Client,
        target: _Target,
        challenge: _Challenge,
        scope: str,
        creds: _Credentials | None,
    ) -> str:
        realm = challenge.params["realm"]
        service = challenge.params.get("service")
        scope = challenge.params.get("scope") or scope
        realm_host = httpx.URL(realm).host or target.registry
        if creds is not None and creds.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": creds.password,
                "scope": scope,
                "client_id": "reproenv",
            }
            if service:
                form["service"] = service
            response = self._send(
                client, target, realm, {}, host=realm_host, method="POST", data=form
            )
        else:
            params = {"scope": scope}
            if service:
                params["service"] = service
            auth = (creds.username, creds.password) if creds is not None else None
            response = self._send(
                client, target, realm, {}, host=realm_host, params=params, auth=auth
            )
        if response.status_code in (401, 403):
            raise self._auth_failed(target, creds is not None)
        if response.status_code != 200:
            raise self._unexpected(target, response, f"token service {realm_host}")
        try:
            payload = response.json()
        except ValueError:
            payload = None
        token = None
        if isinstance(payload, dict):
            token = payload.get("token") or payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise environment(
                f"token service {realm_host} for registry {target.registry} returned no token "
                f"for {target.upstream}{target.via}",
                reference="registry-bad-response",
                hint="Retry later; if it persists, the registry's auth service is misbehaving.",
                registry=target.registry,
                image=str(target.upstream),
            )
        return token

    def _auth_failed(self, target: _Target, had_credentials: bool) -> ReproenvError:
        who = "the configured credentials were refused" if had_credentials else "no credentials"
        return bad_input(
            f"registry {target.registry} refused access to {target.upstream}{target.via} ({who})",
            reference="registry-auth-failed",
            hint=_AUTH_HINT.format(host=target.registry),
            registry=target.registry,
            image=str(target.upstream),
        )

    def _raise_for_status(self, target: _Target, response: httpx.Response) -> None:
        codes = _error_codes(response)
        if response.status_code == 404 or codes & {"MANIFEST_UNKNOWN", "NAME_UNKNOWN"}:
            raise bad_input(
                f"image {target.upstream} was not found{target.via}",
                reference="image-not-found",
                hint=(
                    "Check that the repository and tag exist (and are spelled correctly) on "
                    f"{target.upstream.registry}"
                    + (f", and that mirror {target.registry} proxies it." if target.via else ".")
                ),
                registry=target.registry,
                image=str(target.upstream),
            )
        if response.status_code in (401, 403):
            raise self._auth_failed(target, self._lookup_credentials(target.registry) is not None)
        raise self._unexpected(target, response, f"registry {target.registry}")

    def _unexpected(self, target: _Target, response: httpx.Response, who: str) -> ReproenvError:
        codes = ", ".join(sorted(_error_codes(response))) or "no error code"
        return bad_input(
            f"{who} rejected the request for {target.upstream}{target.via}: "
            f"HTTP {response.status_code} ({codes})",
            reference="registry-request-rejected",
            hint="Check the image reference; if it is right, the registry may not support it.",
            registry=target.registry,
            image=str(target.upstream),
        )

    # -- manifests ------------------------------------------------------------------------

    def _fetch_manifest(self, client: httpx.Client, target: _Target) -> tuple[Any, str, str]:
        ref = target.upstream
        reference = ref.digest or ref.tag or "latest"
        response = self._get(client, target, f"manifests/{reference}", MANIFEST_ACCEPT)
        content = response.content
        digest = self._verified_digest(target, response, content, "manifest")
        if ref.digest is not None and digest != ref.digest:
            raise self._digest_mismatch(target, f"asked for {ref.digest}, got {digest}")
        body = self._json(target, content, "manifest")
        media_type = body.get("mediaType") if isinstance(body.get("mediaType"), str) else None
        if media_type is None:
            media_type = str(response.headers.get("content-type", "")).split(";")[0].strip()
            # OCI allows omitting mediaType; the document's shape still tells.
            if media_type not in _INDEX_TYPES | _MANIFEST_TYPES:
                media_type = (
                    OCI_INDEX if "manifests" in body else OCI_MANIFEST if "config" in body else ""
                )
        if media_type not in _INDEX_TYPES | _MANIFEST_TYPES:
            raise bad_input(
                f"image {ref}{target.via} has an unsupported manifest type "
                f"{media_type or 'unknown'!r}",
                reference="image-manifest-unsupported",
                hint=(
                    "Use an image pushed as an OCI or Docker v2 manifest (any current "
                    "docker/buildx/podman push does that)."
                ),
                registry=target.registry,
                image=str(ref),
            )
        return body, media_type, digest

    def _verified_digest(
        self, target: _Target, response: httpx.Response, content: bytes, what: str
    ) -> str:
        computed = "sha256:" + hashlib.sha256(content).hexdigest()
        header = str(response.headers.get("docker-content-digest", "")).strip()
        if not header:
            return computed
        match = _ANY_DIGEST_RE.fullmatch(header)
        if match is None:
            raise self._digest_mismatch(target, f"unparseable {what} digest header {header!r}")
        algorithm = match.group("algorithm")
        if algorithm not in hashlib.algorithms_available:
            # Can't check it, but it's the registry's own identifier for the content.
            return header
        if hashlib.new(algorithm, content).hexdigest() != match.group("hex").lower():
            raise self._digest_mismatch(
                target, f"{what} body hashes to {computed}, header says {header}"
            )
        return header

    def _digest_mismatch(self, target: _Target, detail: str) -> ReproenvError:
        return environment(
            f"registry {target.registry} returned content for {target.upstream}{target.via} "
            f"that doesn't match its digest: {detail}",
            reference="registry-digest-mismatch",
            hint=(
                "Something between here and the registry altered the response; retry, and "
                "bypass any proxy or mirror that rewrites content."
            ),
            registry=target.registry,
            image=str(target.upstream),
        )

    def _json(self, target: _Target, content: bytes, what: str) -> dict[str, Any]:
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise environment(
                f"registry {target.registry} returned a {what} for {target.upstream}{target.via} "
                "that is not a JSON object",
                reference="registry-bad-response",
                hint="Retry later; if it persists, check the registry (or mirror) speaks OCI.",
                registry=target.registry,
                image=str(target.upstream),
            )
        return body

    def _pick_from_index(self, target: _Target, body: Any, platform: _Platform) -> str:
        available: list[str] = []
        entries = body.get("manifests")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            entry_platform = _descriptor_platform(entry.get("platform"))
            annotations = entry.get("annotations")
            # BuildKit's provenance/SBOM attestations are listed as unknown/unknown.
            if entry_platform is None or entry_platform[:2] == ("unknown", "unknown"):
                continue
            if isinstance(annotations, dict) and "vnd.docker.reference.type" in annotations:
                continue
            available.append(_format_platform(entry_platform))
            digest = entry.get("digest")
            if entry_platform == platform and isinstance(digest, str):
                if not _DIGEST_RE.fullmatch(digest):
                    raise self._digest_mismatch(target, f"index entry has digest {digest!r}")
                return digest
        raise self._platform_missing(target, platform, available)

    def _platform_missing(
        self, target: _Target, platform: _Platform, available: list[str]
    ) -> ReproenvError:
        listed = ", ".join(dict.fromkeys(available)) or "none"
        return bad_input(
            f"image {target.upstream}{target.via} has no {_format_platform(platform)} variant "
            f"(available: {listed})",
            reference="image-platform-missing",
            hint=(
                "Pick platforms the image is published for, or a tag/base image that is built "
                "for the platform you need."
            ),
            registry=target.registry,
            image=str(target.upstream),
            platform=_format_platform(platform),
            available=listed,
        )

    def _config_platform(self, client: httpx.Client, target: _Target, body: Any) -> _Platform:
        blob = self._config_blob(client, target, body)
        platform = _descriptor_platform(blob)
        if platform is None:
            raise environment(
                f"the config of {target.upstream}{target.via} doesn't say its os/architecture",
                reference="registry-bad-response",
                hint="Re-push the image with a current build tool.",
                registry=target.registry,
                image=str(target.upstream),
            )
        return platform

    def _config_blob(self, client: httpx.Client, target: _Target, body: Any) -> dict[str, Any]:
        config = body.get("config")
        digest = config.get("digest") if isinstance(config, dict) else None
        if not isinstance(digest, str) or not _DIGEST_RE.fullmatch(digest):
            raise environment(
                f"the manifest of {target.upstream}{target.via} names no valid config blob",
                reference="registry-bad-response",
                hint="Retry later; if it persists, re-push the image.",
                registry=target.registry,
                image=str(target.upstream),
            )
        response = self._get(client, target, f"blobs/{digest}", None)
        content = response.content
        computed = "sha256:" + hashlib.sha256(content).hexdigest()
        if computed != digest:
            raise self._digest_mismatch(target, f"config blob {digest} hashes to {computed}")
        return self._json(target, content, "config blob")

    # -- credentials ----------------------------------------------------------------------

    def _lookup_credentials(self, registry: str) -> _Credentials | None:
        if registry not in self._credentials:
            self._credentials[registry] = self._find_credentials(registry)
        return self._credentials[registry]

    def _find_credentials(self, registry: str) -> _Credentials | None:
        username, password = self._env.get(USERNAME_ENV), self._env.get(PASSWORD_ENV)
        if username and password:
            return _Credentials(username, password)
        config = self._read_docker_config()
        if config is None:
            return None
        # The SDK pulls in requests: imported only once a registry asks for credentials.
        from docker.auth import AuthConfig

        wanted = _normalise_auth_key(registry)
        auth_config = AuthConfig(_docker_auth_sections(config))
        # The docker CLI's order: the registry's credHelpers entry, else credsStore, before auths
        # (a `docker login` with a store leaves stale or empty `auths` entries behind).
        helper = auth_config.get_credential_store(wanted)
        if isinstance(helper, str) and helper:
            server = _DOCKER_HUB_AUTH_KEY if wanted == DOCKER_HUB else wanted
            creds = self._run_credential_helper(helper, server)
            if creds is not None:
                return creds
        return _credentials_from_docker_auth(auth_config.auths.get(wanted))

    def _read_docker_config(self) -> dict[str, Any] | None:
        path = self._docker_config
        if path is None:
            config_dir = self._env.get("DOCKER_CONFIG")
            path = (
                Path(config_dir) / "config.json"
                if config_dir
                else Path.home() / ".docker" / "config.json"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # Same as docker: no usable config means anonymous pulls.
            return None
        return data if isinstance(data, dict) else None

    def _run_credential_helper(self, name: str, server: str) -> _Credentials | None:
        executable = shutil.which(f"docker-credential-{name}", path=self._env.get("PATH"))
        if executable is None:
            return None
        try:
            result = subprocess.run(
                [executable, "get"],
                input=server,
                capture_output=True,
                text=True,
                timeout=self._timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if result.returncode != 0:
            # Helpers exit non-zero with "credentials not found" for unknown servers.
            return None
        try:
            data = json.loads(result.stdout)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        username, secret = data.get("Username"), data.get("Secret")
        if not isinstance(username, str) or not isinstance(secret, str) or not secret:
            return None
        if username == "<token>":
            return _Credentials(username, secret, identity_token=True)
        return _Credentials(username, secret)


def _docker_auth_sections(config: dict[str, Any]) -> dict[str, Any]:
    """The docker config's credential sections as `docker.auth.AuthConfig` takes them.

    Keys become the bare registry (any spelling of Docker Hub, a URL, a path or a port after
    the host), `credHelpers` Docker Hub's under the server URL that `docker.auth` looks up.
    `auths` entries are decoded by `docker.auth`, one at a time: an entry it cannot decode is
    skipped rather than failing the others, and the first usable entry for a registry wins.
    """
    from docker.auth import INDEX_URL, AuthConfig

    helpers: dict[str, str] = {}
    raw_helpers = config.get("credHelpers")
    if isinstance(raw_helpers, dict):
        for key, name in raw_helpers.items():
            if isinstance(key, str) and isinstance(name, str) and name:
                host = _normalise_auth_key(key)
                helpers.setdefault(INDEX_URL if host == DOCKER_HUB else host, name)
    auths: dict[str, dict[str, str]] = {}
    raw_auths = config.get("auths")
    if isinstance(raw_auths, dict):
        for key, entry in raw_auths.items():
            if not isinstance(key, str) or not isinstance(entry, dict):
                continue
            host = _normalise_auth_key(key)
            # empty `auth`/`identitytoken` values mean "not set", as for the docker CLI
            entry = {k: v for k, v in entry.items() if v or k not in ("auth", "identitytoken")}
            try:
                parsed: dict[str, Any] = AuthConfig.parse_auth({host: entry})[host]
            except ValueError:  # undecodable `auth`: not base64, no colon, not UTF-8
                continue
            if not parsed:
                # `docker.auth` reads `auth` only; the docker CLI also takes plain fields
                parsed = {"username": entry.get("username"), "password": entry.get("password")}
            if host not in auths and _credentials_from_docker_auth(parsed) is not None:
                auths[host] = parsed
    sections: dict[str, Any] = {"auths": auths, "credHelpers": helpers}
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        sections["credsStore"] = store
    return sections


def _credentials_from_docker_auth(entry: dict[str, Any] | None) -> _Credentials | None:
    """An `auths` entry as `docker.auth` decodes it: an identity token, or a user and password."""
    if not entry:
        return None
    token = entry.get("IdentityToken")
    if isinstance(token, str) and token:
        return _Credentials("<token>", token, identity_token=True)
    username, password = entry.get("username"), entry.get("password")
    if isinstance(username, str) and username and isinstance(password, str):
        return _Credentials(username, password)
    return None


def _basic_header(creds: _Credentials) -> str:
    raw = f"{creds.username}:{creds.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _error_codes(response: httpx.Response) -> set[str]:
    try:
        body = response.json()
    except ValueError:
        return set()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return set()
    return {e["code"] for e in errors if isinstance(e, dict) and isinstance(e.get("code"), str)}
