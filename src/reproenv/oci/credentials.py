"""Registry credentials: REPROENV_REGISTRY_USERNAME/_PASSWORD, else the docker config's
credential helpers, credsStore and `auths` (decoded through the docker SDK's `docker.auth`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reproenv.oci.reference import DOCKER_HUB, DOCKER_HUB_ALIASES
from reproenv.settings import REGISTRY_PASSWORD_ENV, REGISTRY_USERNAME_ENV

# The key `docker login` writes for Docker Hub, and the server URL credential helpers expect.
_DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    # An OAuth2 refresh token (`docker login` with identity tokens, `az acr login`).
    identity_token: bool = False


class CredentialStore:
    """Credentials per registry, looked up once each (a helper may prompt or be slow)."""

    def __init__(self, env: Mapping[str, str], docker_config: Path | None, timeout: float) -> None:
        self._env = env
        self._docker_config = docker_config
        self._timeout = timeout
        self._found: dict[str, Credentials | None] = {}

    def lookup(self, registry: str) -> Credentials | None:
        if registry not in self._found:
            self._found[registry] = self._find(registry)
        return self._found[registry]

    def _find(self, registry: str) -> Credentials | None:
        username, password = (
            self._env.get(REGISTRY_USERNAME_ENV),
            self._env.get(REGISTRY_PASSWORD_ENV),
        )
        if username and password:
            return Credentials(username, password)
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

    def _run_credential_helper(self, name: str, server: str) -> Credentials | None:
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
        return _credentials_from_helper_output(result.stdout)


def _credentials_from_helper_output(stdout: str) -> Credentials | None:
    """A credential helper's `get` answer: {"Username": ..., "Secret": ...}."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    username, secret = data.get("Username"), data.get("Secret")
    if not isinstance(username, str) or not isinstance(secret, str) or not secret:
        return None
    if username == "<token>":
        return Credentials(username, secret, identity_token=True)
    return Credentials(username, secret)


def _normalise_auth_key(key: str) -> str:
    """`https://index.docker.io/v1/`, `ghcr.io`, `http://host:5000/` -> the bare registry."""
    text = re.sub(r"(?i)^https?://", "", key.strip()).split("/", 1)[0].lower()
    return DOCKER_HUB if text in DOCKER_HUB_ALIASES else text


def _docker_auth_sections(config: dict[str, Any]) -> dict[str, Any]:
    """The docker config's credential sections as `docker.auth.AuthConfig` takes them.

    Keys become the bare registry (any spelling of Docker Hub, a URL, a path or a port after
    the host), `credHelpers` Docker Hub's under the server URL that `docker.auth` looks up.
    """
    from docker.auth import INDEX_URL

    helpers: dict[str, str] = {}
    raw_helpers = config.get("credHelpers")
    if isinstance(raw_helpers, dict):
        for key, name in raw_helpers.items():
            if isinstance(key, str) and isinstance(name, str) and name:
                host = _normalise_auth_key(key)
                helpers.setdefault(INDEX_URL if host == DOCKER_HUB else host, name)
    raw_auths = config.get("auths")
    auths = _decoded_auths(raw_auths) if isinstance(raw_auths, dict) else {}
    sections: dict[str, Any] = {"auths": auths, "credHelpers": helpers}
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        sections["credsStore"] = store
    return sections


def _decoded_auths(raw_auths: dict[Any, Any]) -> dict[str, dict[str, str]]:
    """`auths` entries decoded by `docker.auth`, one at a time: an entry it cannot decode is
    skipped rather than failing the others, and the first usable entry for a registry wins."""
    from docker.auth import AuthConfig

    auths: dict[str, dict[str, str]] = {}
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
    return auths


def _credentials_from_docker_auth(entry: dict[str, Any] | None) -> Credentials | None:
    """An `auths` entry as `docker.auth` decodes it: an identity token, or a user and password."""
    if not entry:
        return None
    token = entry.get("IdentityToken")
    if isinstance(token, str) and token:
        return Credentials("<token>", token, identity_token=True)
    username, password = entry.get("username"), entry.get("password")
    if isinstance(username, str) and username and isinstance(password, str):
        return Credentials(username, password)
    return None
