"""The `uv pip compile` command line and environment, from plain values. Free of pydantic and
of the spec model, so that a cold `reproenv lock` can start uv from the spec file alone
(lock/pip/uv_early.py) while the rest of reproenv loads; the uv backend (lock/pip/uv.py)
builds its command here too, which is what lets it take that early run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

from reproenv.settings import NetworkSettings
from reproenv.spec.envvars import expand_env

if TYPE_CHECKING:  # pathlib is not loaded yet when the early run builds its command
    from pathlib import Path

# Conservative glibc floor for wheels: installable on every Debian/Ubuntu base reproenv
# targets (bookworm has 2.36), while all common scientific wheels ship for it.
_WHEEL_PLATFORMS = {
    "linux/amd64": "x86_64-manylinux_2_28",
    "linux/arm64": "aarch64-manylinux_2_28",
}


def wheel_platform(platform: str) -> str:
    return _WHEEL_PLATFORMS[platform]


@cache  # uv's wheel looks for its binary through sysconfig each time: a few ms
def uv_executable() -> str:
    from uv import find_uv_bin

    return str(find_uv_bin())


def isolated_env(
    ca_cert: Path | str | None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The caller's environment without pip/uv settings, so the lock depends only on the spec."""
    source = os.environ if base is None else base
    network = NetworkSettings.from_env(source)
    env = {k: v for k, v in source.items() if not k.startswith(("PIP_", "UV_"))}
    env["UV_NO_CONFIG"] = "1"
    env["UV_NO_PROGRESS"] = "1"
    # our network settings, not the host's: uv retries with its own backoff
    env["UV_HTTP_TIMEOUT"] = str(max(1, round(network.timeout)))
    env["UV_HTTP_RETRIES"] = str(network.retries)
    # git (uv runs it for git+ requirements) must never wait on a prompt or a stalled host
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_HTTP_LOW_SPEED_LIMIT"] = "1"
    env["GIT_HTTP_LOW_SPEED_TIME"] = str(max(1, round(network.timeout)))
    if ca_cert is not None:
        # absolute: uv runs in the project's folder, and the early run (a path as the
        # environment names it) and the backend (as pathlib writes it) name it alike
        env["SSL_CERT_FILE"] = os.path.abspath(ca_cert)  # noqa: PTH100 - pathlib is not loaded
    return env


def exclude_newer_timestamp(value: str) -> str:
    """An RFC 3339 UTC timestamp: uv reads a bare date in the host's time zone, which would
    make the lock depend on the machine; a date here means its start in UTC."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def index_selections(
    index_url: str | None,
    extra_index_urls: Sequence[str],
    variant_indexes: Sequence[str] = (),
    exclude_newer: str | None = None,
    only_wheels: bool = False,
) -> list[str]:
    """uv options for where and what to pick: indexes, the date, wheels only."""
    selections: list[str] = []
    if index_url:
        selections += ["--index-url", expand_env(index_url)]
    for url in extra_index_urls:
        selections += ["--extra-index-url", expand_env(url)]
    for url in variant_indexes:
        # a framework build index (PyTorch's cuXYZ): its local versions (2.4.1+cu118) must be
        # able to win over the plain release on the default index
        selections += ["--extra-index-url", url, "--index-strategy", "unsafe-best-match"]
    if exclude_newer:
        selections += ["--exclude-newer", exclude_newer_timestamp(exclude_newer)]
    if only_wheels:
        selections += ["--only-binary", ":all:"]
    return selections


def compile_command(
    python: str,
    platform: str,
    output: Path | str,
    selections: Sequence[str],
    inputs: Sequence[str],
    *,
    upgrade_all: bool = False,
    upgrade_packages: Sequence[str] = (),
) -> list[str]:
    """`uv pip compile` of `inputs` (paths relative to the project) to `output`, PEP 751."""
    command = [
        uv_executable(), "pip", "compile", "--no-config", "--no-python-downloads",
        "--no-header", "--quiet", "--python-version", python,
        "--python-platform", wheel_platform(platform), "--output-file", str(output),
        *selections, *inputs,
    ]  # fmt: skip
    if upgrade_all:
        command.append("--upgrade")
    for name in upgrade_packages:
        command += ["--upgrade-package", name]
    if shutil.which("keyring"):
        # index URLs that carry a user name get its password from the keyring
        command += ["--keyring-provider", "subprocess"]
    return command
