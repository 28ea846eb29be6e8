"""Platforms as os/architecture[/variant], normalised the way containerd matches them."""

from __future__ import annotations

import re
from typing import Any

from reproenv.errors import bad_input

Platform = tuple[str, str, str | None]

_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm"}

# the platforms reproenv targets and their Linux machine names (`uname -m`, wheel tags, markers)
MACHINES = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}


def host_platform(machine: str | None = None) -> str | None:
    """The target platform this machine is (`uname -m` as Linux or macOS spells it), if any."""
    if machine is None:
        import platform as host

        machine = host.machine()
    arch = _ARCH_ALIASES.get(machine.lower(), machine.lower())
    candidate = f"linux/{arch}"
    return candidate if candidate in MACHINES else None


def normalise_platform(os_name: str, arch: str, variant: str | None) -> Platform:
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


def format_platform(platform: Platform) -> str:
    os_name, arch, variant = platform
    return f"{os_name}/{arch}/{variant}" if variant else f"{os_name}/{arch}"


def parse_platform(text: str, image: str) -> Platform:
    parts = text.strip().split("/")
    if len(parts) not in (2, 3) or not all(re.fullmatch(r"[A-Za-z0-9_.-]+", p) for p in parts):
        raise bad_input(
            f"invalid platform {text!r} requested for image {image}",
            reference="bad-platform",
            hint="Write platforms as os/architecture[/variant], e.g. linux/amd64 or linux/arm64.",
            image=image,
            platform=text,
        )
    return normalise_platform(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def descriptor_platform(platform: Any) -> Platform | None:
    """The platform of an index entry's `platform` object or of an image config, if it has one."""
    if not isinstance(platform, dict):
        return None
    os_name, arch, variant = (
        platform.get("os"),
        platform.get("architecture"),
        platform.get("variant"),
    )
    if not isinstance(os_name, str) or not isinstance(arch, str):
        return None
    return normalise_platform(os_name, arch, variant if isinstance(variant, str) else None)
