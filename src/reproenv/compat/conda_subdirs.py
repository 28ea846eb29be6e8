"""conda's subdir of each target platform: the one map the solver, the lock files and the plan
share (a module of its own, so that the plan reads it without the lock-file parsers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

CondaSubdir = Literal["linux-64", "linux-aarch64", "noarch"]
SUBDIRS: Mapping[str, CondaSubdir] = {"linux/amd64": "linux-64", "linux/arm64": "linux-aarch64"}
PLATFORMS: Mapping[str, str] = {subdir: platform for platform, subdir in SUBDIRS.items()}
