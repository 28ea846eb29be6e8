"""Machine-level settings (never part of the spec): CA bundle, docker executable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reproenv.errors import bad_input

# First match wins; the explicit flag beats all of them.
CA_ENV_VARS = ("REPROENV_CA_CERT", "SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE")
DOCKER_ENV = "REPROENV_DOCKER"


def find_ca_cert(explicit: Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """An extra CA bundle for reaching package indexes (TLS-intercepting proxies need it)."""
    env = os.environ if env is None else env
    if explicit is not None:
        if not explicit.is_file():
            raise bad_input(
                f"--ca-cert {explicit}: no such file",
                "missing-ca-cert",
                "pass the path of a PEM bundle",
                file=str(explicit),
            )
        return explicit
    for name in CA_ENV_VARS:
        value = env.get(name)
        if value and Path(value).is_file():
            return Path(value)
    return None


def docker_executable(explicit: str | None, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return explicit or env.get(DOCKER_ENV) or "docker"


@dataclass(frozen=True)
class NetworkSettings:
    """How hard to try before calling a registry or index unreachable (exit 3)."""

    timeout: float = 30.0
    retries: int = 3  # attempts after the first
    backoff: float = 0.5  # seconds before the first retry; doubles each time

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NetworkSettings:
        env = os.environ if env is None else env
        defaults = cls()
        try:
            return cls(
                timeout=float(env.get("REPROENV_HTTP_TIMEOUT", defaults.timeout)),
                retries=int(env.get("REPROENV_HTTP_RETRIES", defaults.retries)),
                backoff=float(env.get("REPROENV_HTTP_BACKOFF", defaults.backoff)),
            )
        except ValueError as exc:
            raise bad_input(
                f"bad network setting: {exc}",
                "bad-network-setting",
                "REPROENV_HTTP_TIMEOUT and REPROENV_HTTP_BACKOFF take seconds, "
                "REPROENV_HTTP_RETRIES a whole number",
            ) from None

    def delays(self) -> list[float]:
        return [self.backoff * 2**attempt for attempt in range(self.retries)]
