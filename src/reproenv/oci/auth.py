"""The registry auth dance: a 401's WWW-Authenticate challenges answered with a bearer token
from the realm (anonymous, user/password or refresh token) or with Basic credentials."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import httpx

from reproenv.oci import errors
from reproenv.oci.credentials import Credentials, CredentialStore
from reproenv.oci.reference import Target
from reproenv.oci.transport import Transport


@dataclass(frozen=True)
class Challenge:
    scheme: str
    params: dict[str, str]


_CHALLENGE_PARAM_RE = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))')


def parse_challenges(values: list[str]) -> list[Challenge]:
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
            challenges.append(Challenge(scheme.lower(), params))
    return challenges


def basic_header(creds: Credentials) -> str:
    raw = f"{creds.username}:{creds.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class RegistryAuth:
    """Authorization for registry requests; tokens (per registry and scope) and the registries
    that asked for Basic are remembered, so later requests skip the anonymous round trip."""

    def __init__(self, transport: Transport, credentials: CredentialStore) -> None:
        self._transport = transport
        self._credentials = credentials
        self._tokens: dict[tuple[str, str], str] = {}
        self._basic_hosts: set[str] = set()

    def known_headers(self, registry: str, scope: str) -> dict[str, str]:
        """The Authorization header to try first: a cached token, or Basic where it was asked."""
        token = self._tokens.get((registry, scope))
        if token is not None:
            return {"Authorization": f"Bearer {token}"}
        if registry in self._basic_hosts:
            creds = self._credentials.lookup(registry)
            if creds is not None:
                return {"Authorization": basic_header(creds)}
        return {}

    def answer_challenge(
        self, client: httpx.Client, target: Target, response: httpx.Response, scope: str
    ) -> str:
        """The Authorization header value that answers the 401 `response`."""
        challenges = parse_challenges(response.headers.get_list("www-authenticate"))
        creds = self._credentials.lookup(target.registry)
        for challenge in challenges:
            if challenge.scheme == "bearer" and challenge.params.get("realm"):
                token = self._fetch_token(client, target, challenge, scope, creds)
                self._tokens[(target.registry, scope)] = token
                return f"Bearer {token}"
        for challenge in challenges:
            if challenge.scheme == "basic" and creds is not None and not creds.identity_token:
                self._basic_hosts.add(target.registry)
                return basic_header(creds)
        raise errors.auth_failed(target, creds is not None)

    def _fetch_token(
        self,
        client: httpx.Client,
        target: Target,
        challenge: Challenge,
        scope: str,
        creds: Credentials | None,
    ) -> str:
        realm = challenge.params["realm"]
        realm_host = httpx.URL(realm).host or target.registry
        response = self._request_token(client, target, challenge, scope, creds, realm_host)
        if response.status_code in (401, 403):
            raise errors.auth_failed(target, creds is not None)
        if response.status_code != 200:
            raise errors.unexpected(target, response, f"token service {realm_host}")
        try:
            payload = response.json()
        except ValueError:
            payload = None
        token = None
        if isinstance(payload, dict):
            token = payload.get("token") or payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise errors.no_token(target, realm_host)
        return token

    def _request_token(
        self,
        client: httpx.Client,
        target: Target,
        challenge: Challenge,
        scope: str,
        creds: Credentials | None,
        realm_host: str,
    ) -> httpx.Response:
        realm = challenge.params["realm"]
        service = challenge.params.get("service")
        scope = challenge.params.get("scope") or scope
        send = self._transport.send
        if creds is not None and creds.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": creds.password,
                "scope": scope,
                "client_id": "reproenv",
            }
            if service:
                form["service"] = service
            return send(client, target, realm, {}, host=realm_host, method="POST", data=form)
        params = {"scope": scope}
        if service:
            params["service"] = service
        auth = (creds.username, creds.password) if creds is not None else None
        return send(client, target, realm, {}, host=realm_host, params=params, auth=auth)
