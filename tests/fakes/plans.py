"""One `BuildPlan` factory: a plain pip project on python:3.11-slim-bookworm, with any field
overridden by keyword, so a test names only what it is about."""

from __future__ import annotations

import dataclasses
from typing import Any

from reproenv.lock.model import REQUIREMENTS_LOCK
from reproenv.plan.model import APP_UID, CA_SECRET_ID, VENV, BuildPlan

DIGEST = "sha256:" + "ee" * 32
PYTHON_BASE = "docker.io/library/python:3.11-slim-bookworm"

_DEFAULT = BuildPlan(
    name="demo",
    python="3.11",
    platform="linux/amd64",
    base_reference=PYTHON_BASE,
    base_digest=DIGEST,
    platform_digest=DIGEST,
    apt_packages=(),
    has_pip_packages=True,
    requirements_lock=REQUIREMENTS_LOCK,
    venv=VENV,
    user="app",
    uid=APP_UID,
    workdir="/workspace",
    command=(),
    lock_hash="a" * 64,
    ca_secret_id=CA_SECRET_ID,
    reproenv_version="0.1.0",
)


def make_build_plan(*, digest: str | None = None, **overrides: Any) -> BuildPlan:
    """`digest` sets both base_digest and platform_digest (one platform: they are the same)."""
    if digest is not None:
        overrides = {"base_digest": digest, "platform_digest": digest, **overrides}
    return dataclasses.replace(_DEFAULT, **overrides)
