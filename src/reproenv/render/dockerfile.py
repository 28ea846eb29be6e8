"""Dockerfile and .dockerignore."""

from __future__ import annotations

from reproenv.plan.model import BuildPlan
from reproenv.render.base import render_template


class DockerfileRenderer:
    name = "dockerfile"
    outputs: tuple[str, ...] = ("Dockerfile", ".dockerignore")

    def render(self, plan: BuildPlan) -> dict[str, str]:
        return {
            "Dockerfile": render_dockerfile(plan, buildkit=True),
            ".dockerignore": render_template("dockerignore.j2"),
        }


def render_dockerfile(plan: BuildPlan, *, buildkit: bool) -> str:
    """`buildkit=False` drops the secret and cache mounts the legacy builder cannot parse."""
    labels = [f'{key}="{value}"' for key, value in sorted(plan.labels.items())]
    return render_template("Dockerfile.j2", plan=plan, buildkit=buildkit, labels=labels)
