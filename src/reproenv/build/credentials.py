"""Index credentials for the build: a netrc handed to pip as a BuildKit secret, never a layer.

The lock names indexes without credentials. At build time they come from where the user keeps
them: the ${VAR}s in the spec's or requirement files' index URLs, or their netrc file.
"""

from __future__ import annotations

import netrc
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from reproenv.errors import bad_input, redact
from reproenv.lock.inputs import requirement_files
from reproenv.lock.model import Lock
from reproenv.plan.conda import CondaEnv
from reproenv.spec.envvars import expand_env
from reproenv.spec.model import Spec
from reproenv.spec.requirements import INDEX_OPTIONS, read_lines


def index_credentials(
    spec: Spec, lock: Lock, env: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """host -> (login, password) for every index in the lock that has credentials."""
    env = os.environ if env is None else env
    hosts = {
        urlsplit(url).hostname for url in (lock.pip_index_url, *lock.pip_extra_index_urls) if url
    }
    found: dict[str, tuple[str, str]] = {}
    for url in _declared_urls(spec):
        parts = urlsplit(expand_env(url, env))
        if not parts.hostname or parts.hostname not in hosts or parts.username is None:
            continue
        password = parts.password
        if password is None:  # a user name alone: its password lives in the keyring
            services = (redact(expand_env(url, env), mask=""), parts.hostname)
            password = keyring_password(services, parts.username, env)
        if password is not None:
            found[parts.hostname] = (parts.username, password)
    netrc_path = Path(env.get("NETRC") or Path(env.get("HOME", "~")).expanduser() / ".netrc")
    if netrc_path.is_file():
        try:
            entries = netrc.netrc(str(netrc_path))
        except (netrc.NetrcParseError, OSError):
            entries = None
        for host in hosts - found.keys():
            auth = entries.authenticators(host) if entries and host else None
            if host and auth:
                found[host] = (auth[0], auth[2] or "")
    return found


def keyring_password(
    services: tuple[str, ...], username: str, env: Mapping[str, str]
) -> str | None:
    """Ask the `keyring` command, as pip's and uv's subprocess keyring providers do."""
    executable = shutil.which("keyring", path=env.get("PATH"))
    if executable is None:
        return None
    for service in services:
        try:
            answer = subprocess.run(
                [executable, "get", service, username],
                capture_output=True, text=True, timeout=30, check=False, env=dict(env),
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        if answer.returncode == 0 and answer.stdout.strip():
            return answer.stdout.strip()
    return None


def render_netrc(credentials: Mapping[str, tuple[str, str]]) -> str:
    return "".join(
        f"machine {host} login {login} password {password}\n"
        for host, (login, password) in sorted(credentials.items())
    )


def _declared_urls(spec: Spec) -> list[str]:
    urls = [u for u in (spec.index_url, *spec.extra_index_urls) if u]
    for path in requirement_files(spec):
        urls += [line.value for line in read_lines(path) if line.option in INDEX_OPTIONS]
    return urls


def conda_tokens(conda: CondaEnv | None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """VAR -> token for every channel the lock names as `/t/${VAR}/`, from the environment the
    lock read them from; the build hands them to the conda stage as one secret."""
    if conda is None or not conda.token_vars:
        return {}
    env = os.environ if env is None else env
    missing = [name for name in conda.token_vars if not env.get(name)]
    if missing:
        raise bad_input(
            f"the locked conda channels need the token {', '.join(f'${{{n}}}' for n in missing)}"
            ", which is not set",
            "conda-token-missing",
            f"set {' and '.join(missing)} in the environment of `reproenv build`, as for "
            "`reproenv lock`",
        )
    return {name: env[name] for name in conda.token_vars}
