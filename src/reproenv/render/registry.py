"""Every renderer, in the order `generate` writes their files."""

from __future__ import annotations

from collections.abc import Collection

from reproenv.plan.model import BuildPlan
from reproenv.render.base import Renderer
from reproenv.render.ci import GithubWorkflowRenderer, GitlabCiRenderer
from reproenv.render.dockerfile import DockerfileRenderer

RENDERERS: tuple[Renderer, ...] = (DockerfileRenderer(),)

# written only when `generate` is asked for them (`--ci github`: "ci-github")
OPTIONAL_RENDERERS: dict[str, Renderer] = {
    r.name: r for r in (GithubWorkflowRenderer(), GitlabCiRenderer())
}


def _chosen(extras: Collection[str]) -> tuple[Renderer, ...]:
    return RENDERERS + tuple(OPTIONAL_RENDERERS[name] for name in sorted(extras))


def render_all(plan: BuildPlan, extras: Collection[str] = ()) -> dict[str, str]:
    files: dict[str, str] = {}
    for renderer in _chosen(extras):
        files.update(renderer.render(plan))
    return files


def output_paths(
    dockerfile: str, conda: bool = False, uv: bool = False, extras: Collection[str] = ()
) -> tuple[str, ...]:
    return tuple(
        path for renderer in _chosen(extras) for path in renderer.outputs(dockerfile, conda, uv)
    )
