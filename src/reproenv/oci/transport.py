"""HTTP to registries: one httpx client per operation (CA bundle, user agent, redirects) and
requests retried with backoff on transient failures, as `NetworkSettings` says."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from reproenv import __version__
from reproenv.oci import errors
from reproenv.oci.reference import Target
from reproenv.settings import CA_CERT_ENV, NetworkSettings


class Transport:
    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None,
        env: Mapping[str, str],
        network: NetworkSettings,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._transport = transport
        self._env = env
        self._network = network
        self._sleep = sleep

    def client(self) -> httpx.Client:
        ca_cert = self._env.get(CA_CERT_ENV)
        verify: ssl.SSLContext | bool = True
        if ca_cert and self._transport is None:
            try:
                verify = ssl.create_default_context(cafile=ca_cert)
            except (OSError, ssl.SSLError) as exc:
                raise errors.bad_ca_cert(ca_cert, CA_CERT_ENV, exc) from None
        return httpx.Client(
            transport=self._transport,
            timeout=self._network.timeout,
            # Blob fetches redirect to object storage; httpx drops Authorization across hosts.
            follow_redirects=True,
            verify=verify,
            headers={"User-Agent": f"reproenv/{__version__}"},
        )

    def send(
        self,
        client: httpx.Client,
        target: Target,
        url: str,
        headers: Mapping[str, str],
        *,
        host: str | None = None,
        method: str = "GET",
        stream: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """The first answer that isn't a transient failure; `host` names a token service.
        `stream`: the body is left unread (the caller reads it and closes the response)."""
        who = host or target.registry
        # transient failures (connection, timeout, 5xx, 429) are retried with backoff
        for delay in [*self._network.delays(), None]:
            try:
                if stream:
                    request = client.build_request(method, url, headers=dict(headers), **kwargs)
                    response = client.send(request, stream=True)
                else:
                    response = client.request(method, url, headers=dict(headers), **kwargs)
            except httpx.TimeoutException:
                failure = "the request timed out"
            except httpx.HTTPError as exc:
                # a chained traceback could show request headers (tokens) in debug output
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                response.close()
                failure = f"HTTP {response.status_code} from {response.url.host}"
            if delay is None:
                break
            self._sleep(delay)
        attempts = self._network.retries + 1
        if failure.startswith("HTTP 429"):
            raise errors.rate_limited(target, who)
        raise errors.unreachable(who, f"{failure} ({attempts} attempts)")
