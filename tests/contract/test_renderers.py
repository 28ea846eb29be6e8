"""Every registered renderer honours the same contract."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from reproenv.fsutil import GENERATED_MARKER
from reproenv.render.base import Renderer
from reproenv.render.registry import OPTIONAL_RENDERERS, RENDERERS
from reproenv.render.write import TOOL_WRITTEN
from tests.fakes.plans import make_build_plan

PLAN = make_build_plan(
    digest="sha256:" + "ab" * 32,
    apt_packages=("git",),
    command=("python", "main.py"),
    lock_hash="b" * 64,
)


ALL = (*RENDERERS, *OPTIONAL_RENDERERS)  # the optional ones (generate --apptainer, --k8s, --ci) too


@pytest.fixture(params=ALL, ids=[r.name for r in ALL])
def renderer(request: pytest.FixtureRequest) -> Renderer:
    return request.param  # type: ignore[no-any-return]


def test_outputs_are_relative_paths_with_the_generated_header(renderer: Renderer) -> None:
    files = renderer.render(PLAN)
    assert files
    assert sorted(files) == sorted(renderer.outputs(PLAN.dockerfile))
    for relative, text in files.items():
        assert not relative.startswith("/") and ".." not in relative
        if Path(relative).name in TOOL_WRITTEN:  # plain JSON another tool writes too
            json.loads(text)
        else:
            assert GENERATED_MARKER in text.splitlines()[0]
        assert text.endswith("\n")


def test_a_devcontainer_with_features_writes_their_lock_as_plain_json() -> None:
    from reproenv.lock.model import LockedFeature
    from reproenv.plan.install import DevStage
    from reproenv.render.devcontainer import DevcontainerRenderer

    digest = "sha256:" + "c" * 64
    pin = LockedFeature(id="ghcr.io/o/f/x:1", version="1.0.0", resolved=f"ghcr.io/o/f/x@{digest}",
                        integrity=digest)  # fmt: skip
    dev = DevStage(features=(("ghcr.io/o/f/x:1", ()),), feature_pins=(pin,))
    files = DevcontainerRenderer().render(dataclasses.replace(PLAN, dev=dev))
    assert set(files) == {".devcontainer/devcontainer.json", ".devcontainer/devcontainer-lock.json"}
    assert json.loads(files[".devcontainer/devcontainer-lock.json"])["features"]


def test_rendering_is_deterministic(renderer: Renderer) -> None:
    assert renderer.render(PLAN) == renderer.render(dataclasses.replace(PLAN))
