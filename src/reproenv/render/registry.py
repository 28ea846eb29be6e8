"""Every renderer, in the order `generate` writes their files; the optional ones (`generate
--apptainer`, `--k8s`, `--ci`, `--devcontainer`) only when asked for."""

from __future__ import annotations

from reproenv.plan.model import BuildPlan
from reproenv.render.apptainer import ApptainerRenderer
from reproenv.render.base import Renderer
from reproenv.render.ci import GithubWorkflowRenderer, GitlabCiRenderer
from reproenv.render.devcontainer import DevcontainerRenderer
from reproenv.render.dockerfile import DockerfileRenderer
from reproenv.render.k8s import KubernetesJobRenderer

RENDERERS: tuple[Renderer, ...] = (DockerfileRenderer(),)
# written only when asked for: each an instance for the contract tests
OPTIONAL_RENDERERS: tuple[Renderer, ...] = (
    ApptainerRenderer(),
    KubernetesJobRenderer(),
    GithubWorkflowRenderer(),
    GitlabCiRenderer(),
    DevcontainerRenderer(),
)
# `generate --ci NAME` -> the renderer of that pipeline
CI_RENDERERS: dict[str, Renderer] = {
    "github": GithubWorkflowRenderer(),
    "gitlab": GitlabCiRenderer(),
}


def optional_renderers(
    *,
    apptainer: bool = False,
    k8s: bool = False,
    image: str | None = None,
    ci: str | None = None,
    devcontainer: bool = False,
) -> tuple[Renderer, ...]:
    """`image`: the published image, REPOSITORY@sha256:DIGEST, already checked; `ci`: a key of
    CI_RENDERERS, already checked."""
    chosen: list[Renderer] = []
    if apptainer:
        chosen.append(ApptainerRenderer(image))
    if k8s:
        chosen.append(KubernetesJobRenderer(image))
    if ci is not None:
        chosen.append(CI_RENDERERS[ci])
    if devcontainer:
        chosen.append(DevcontainerRenderer())
    return tuple(chosen)


def render_all(plan: BuildPlan, extra: tuple[Renderer, ...] = ()) -> dict[str, str]:
    files: dict[str, str] = {}
    for renderer in (*RENDERERS, *extra):
        files.update(renderer.render(plan))
    return files


def output_paths(
    dockerfile: str, conda: bool = False, uv: bool = False, extra: tuple[Renderer, ...] = ()
) -> tuple[str, ...]:
    return tuple(
        path
        for renderer in (*RENDERERS, *extra)
        for path in renderer.outputs(dockerfile, conda, uv)
    )
