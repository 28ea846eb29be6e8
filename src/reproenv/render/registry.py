"""Every renderer, in the order `generate` writes their files."""

from __future__ import annotations

from reproenv.plan.model import BuildPlan
from reproenv.render.base import Renderer
from reproenv.render.dockerfile import DockerfileRenderer

RENDERERS: tuple[Renderer, ...] = (DockerfileRenderer(),)


def render_all(plan: BuildPlan) -> dict[str, str]:
    files: dict[str, str] = {}
    for renderer in RENDERERS:
        files.update(renderer.render(plan))
    return files


def output_paths(dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
    return tuple(path for renderer in RENDERERS for path in renderer.outputs(dockerfile, conda, uv))
