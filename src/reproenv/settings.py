"""Machine-level settings (never part of the spec or the lock): every `REPROENV_*` variable
reproenv reads is named here, once, with its default and what it does; README's table of machine
settings lists them all (a test checks both ways).

A cold `reproenv lock` reads these before it starts uv (lock/pip/uv_early.py), so this module
imports only `os` and `typing` (which tomllib loads anyway): pathlib, shutil and the errors load
in the functions that need them."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path


class Setting(NamedTuple):
    name: str
    default: str  # in words, as the README says it
    help: str


MIRROR_ENV = "REPROENV_REGISTRY_MIRROR"
CA_CERT_ENV = "REPROENV_CA_CERT"
DOCKER_ENV = "REPROENV_DOCKER"
ENGINE_ENV = "REPROENV_ENGINE"
ENGINES = ("docker", "podman")
REGISTRY_USERNAME_ENV = "REPROENV_REGISTRY_USERNAME"
REGISTRY_PASSWORD_ENV = "REPROENV_REGISTRY_PASSWORD"  # noqa: S105 - a variable's name
HTTP_TIMEOUT_ENV = "REPROENV_HTTP_TIMEOUT"
HTTP_RETRIES_ENV = "REPROENV_HTTP_RETRIES"
HTTP_BACKOFF_ENV = "REPROENV_HTTP_BACKOFF"
LOCK_TIMEOUT_ENV = "REPROENV_LOCK_TIMEOUT"
DATA_DIR_ENV = "REPROENV_DATA_DIR"
TORCH_INDEX_ENV = "REPROENV_TORCH_INDEX"
PIP_TOOLS_IN_IMAGE_ENV = "REPROENV_PIP_TOOLS_IN_IMAGE"
CACHE_DIR_ENV = "REPROENV_CACHE_DIR"
CONDA_MIRROR_ENV = "REPROENV_CONDA_MIRROR"
BASE_IMAGES_ENV = "REPROENV_BASE_IMAGES"

SETTINGS: tuple[Setting, ...] = (
    Setting(MIRROR_ENV, "none", "Docker Hub images through a mirror (host[:port][/prefix])"),
    Setting(CA_CERT_ENV, "none", "an extra CA bundle for indexes and registries"),
    Setting(DOCKER_ENV, "docker", "the docker client to use"),
    Setting(ENGINE_ENV, "docker, podman without docker", "the engine: docker or podman"),
    Setting(REGISTRY_USERNAME_ENV, "none", "registry user name"),
    Setting(REGISTRY_PASSWORD_ENV, "none", "registry password or token"),
    Setting(HTTP_TIMEOUT_ENV, "30", "seconds before a registry or index request times out"),
    Setting(HTTP_RETRIES_ENV, "3", "retries of a failed registry or index request"),
    Setting(HTTP_BACKOFF_ENV, "0.5", "seconds before the first retry; doubles each time"),
    Setting(LOCK_TIMEOUT_ENV, "300", "seconds to wait for another run writing the same lock"),
    Setting(DATA_DIR_ENV, "none", "a folder whose data files replace the bundled CUDA tables"),
    Setting(TORCH_INDEX_ENV, "PyTorch's index", "a mirror of PyTorch's variant indexes"),
    Setting(PIP_TOOLS_IN_IMAGE_ENV, "0", "1: pip-compile always runs inside the pinned base"),
    Setting(
        CACHE_DIR_ENV,
        "$XDG_CACHE_HOME/reproenv or ~/.cache/reproenv",
        "reproenv's own cache (what lets `lock --check` answer fast, the build tools' pins)",
    ),
    Setting(
        CONDA_MIRROR_ENV,
        "none",
        "conda channels named without a URL read from a mirror (a channel alias)",
    ),
    Setting(
        BASE_IMAGES_ENV,
        "none",
        'the repository `image.base = "reproenv:<name>"` images come from (host[:port]/path)',
    ),
)

# First match wins; the explicit flag beats all of them.
CA_ENV_VARS = (CA_CERT_ENV, "SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE")


def find_ca_cert(explicit: Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """An extra CA bundle for reaching package indexes (TLS-intercepting proxies need it)."""
    from pathlib import Path

    if explicit is not None:
        if not explicit.is_file():
            from reproenv.errors import bad_input

            raise bad_input(
                f"--ca-cert {explicit}: no such file",
                "missing-ca-cert",
                "pass the path of a PEM bundle",
                file=str(explicit),
            )
        return explicit
    found = ca_cert_in_env(env)
    return None if found is None else Path(found)


def ca_cert_in_env(env: Mapping[str, str] | None = None) -> str | None:
    """The CA bundle the environment names (find_ca_cert without a flag), as it names it."""
    env = os.environ if env is None else env
    for name in CA_ENV_VARS:
        value = env.get(name)
        if value and os.path.isfile(value):  # noqa: PTH113 - pathlib is not loaded yet here
            return value
    return None


def cache_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """reproenv's own cache; None where there is none to use (no HOME, no passwd entry)."""
    from pathlib import Path

    env = os.environ if env is None else env
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "reproenv"
    try:
        return Path.home() / ".cache" / "reproenv"
    except RuntimeError:
        return None


def docker_executable(explicit: str | None, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return explicit or env.get(DOCKER_ENV) or "docker"


def engine_name(
    explicit: str | None,
    env: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] | None = None,
) -> str:
    """`--engine`, else REPROENV_ENGINE, else docker, or podman when only podman is here."""
    if which is None:
        from shutil import which as on_path

        which = on_path

    env = os.environ if env is None else env
    name = (explicit or env.get(ENGINE_ENV) or "").strip().lower()
    if name and name not in ENGINES:
        from reproenv.errors import bad_input

        where = "--engine" if explicit else ENGINE_ENV
        raise bad_input(
            f"{where} is {name!r}, not an engine reproenv drives",
            "engine-unknown",
            "use docker or podman",
        )
    if name:
        return name
    if env.get(DOCKER_ENV) or which("docker") is not None or which("podman") is None:
        return "docker"
    return "podman"


class NetworkSettings(NamedTuple):
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
                timeout=float(env.get(HTTP_TIMEOUT_ENV, defaults.timeout)),
                retries=int(env.get(HTTP_RETRIES_ENV, defaults.retries)),
                backoff=float(env.get(HTTP_BACKOFF_ENV, defaults.backoff)),
            )
        except ValueError as exc:
            from reproenv.errors import bad_input

            raise bad_input(
                f"bad network setting: {exc}",
                "bad-network-setting",
                f"{HTTP_TIMEOUT_ENV} and {HTTP_BACKOFF_ENV} take seconds, "
                f"{HTTP_RETRIES_ENV} a whole number",
            ) from None

    def delays(self) -> list[float]:
        return [self.backoff * 2**attempt for attempt in range(self.retries)]
