"""Every registered renderer honours the same contract."""

from __future__ import annotations

import dataclasses

import pytest

from reproenv.fsutil import GENERATED_MARKER
from reproenv.plan.model import BuildPlan
from reproenv.render.base import Renderer
from reproenv.render.registry import RENDERERS

PLAN = BuildPlan(
    name="demo", python="3.11", platform="linux/amd64",
    base_reference="docker.io/library/python:3.11-slim-bookworm",
    base_digest="sha256:" + "ab" * 32,
    platform_digest="sha256:" + "ab" * 32, apt_packages=("git",), has_pip_packages=True,
    requirements_lock="requirements.lock", venv="/opt/venv", user="app", uid=1000,
    workdir="/workspace", command=("python", "main.py"), lock_hash="b" * 64,
    ca_secret_id="reproenv-ca", reproenv_version="0.1.0",
)  # fmt: skip


@pytest.fixture(params=RENDERERS, ids=[r.name for r in RENDERERS])
def renderer(request: pytest.FixtureRequest) -> Renderer:
    return request.param  # type: ignore[no-any-return]


def test_outputs_are_relative_paths_with_the_generated_header(renderer: Renderer) -> None:
    files = renderer.render(PLAN)
    assert files
    assert sorted(files) == sorted(renderer.outputs(PLAN.dockerfile))
    for relative, text in files.items():
        assert not relative.startswith("/") and ".." not in relative
        assert GENERATED_MARKER in text.splitlines()[0]
        assert text.endswith("\n")


def test_rendering_is_deterministic(renderer: Renderer) -> None:
    assert renderer.render(PLAN) == renderer.render(dataclasses.replace(PLAN))
