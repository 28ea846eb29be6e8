""".devcontainer/devcontainer.json: the VS Code Dev Containers configuration of the locked
image, written by `generate --devcontainer` only. It builds the generated Dockerfile (the
environment is in the image: nothing is installed when the container starts), works as the
image's non-root user, mounts the project at the spec's workdir and points the Python
extension at the image's venv. JSON in a fixed key order, so the same plan gives
the same bytes."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any

from reproenv.fsutil import GENERATED_MARKER
from reproenv.plan.model import BuildPlan
from reproenv.render.apptainer import output_beside

DEVCONTAINER_FILE = ".devcontainer/devcontainer.json"
EXTENSIONS = ("ms-python.python", "ms-toolsai.jupyter")
GPU_RUN_ARGS = ("--gpus", "all")


@dataclass(frozen=True)
class DevcontainerRenderer:
    name = "devcontainer"

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        return (output_beside(dockerfile, DEVCONTAINER_FILE),)

    def render(self, plan: BuildPlan) -> dict[str, str]:
        path = output_beside(plan.dockerfile, DEVCONTAINER_FILE)
        return {path: render_devcontainer(plan, path)}


def render_devcontainer(plan: BuildPlan, path: str) -> str:
    # the Dev Containers CLI reads JSON with comments: the header tells it from a user's file
    head = f"// {GENERATED_MARKER} — do not edit; regenerate with: reproenv generate --devcontainer"
    body = json.dumps(devcontainer_config(plan, path), indent=2, ensure_ascii=False)
    return f"{head}\n{body}\n"


def devcontainer_config(plan: BuildPlan, path: str) -> dict[str, Any]:
    """`path`: where the file lies in the project; build paths are relative to its folder."""
    here = posixpath.dirname(path)
    config: dict[str, Any] = {
        "name": plan.name,
        "build": {
            "dockerfile": posixpath.relpath(plan.dockerfile, here),
            "context": posixpath.relpath(".", here),
        },
        "remoteUser": plan.user,
        "containerUser": plan.user,
        # the image's user takes the host user's UID, so the mounted project stays writable
        "updateRemoteUserUID": True,
        "workspaceFolder": plan.workdir,
        "workspaceMount": (
            f"source=${{localWorkspaceFolder}},target={plan.workdir},type=bind,consistency=cached"
        ),
        "customizations": {
            "vscode": {
                "extensions": list(EXTENSIONS),
                "settings": {"python.defaultInterpreterPath": f"{plan.venv}/bin/python"},
            }
        },
    }
    gpu = gpu_requirement(plan)
    if gpu is not None:
        config["hostRequirements"] = {"gpu": gpu}
    if plan.require_cuda:
        config["runArgs"] = list(GPU_RUN_ARGS)
    return config


def gpu_requirement(plan: BuildPlan) -> bool | str | None:
    """True for an image whose code needs CUDA, "optional" for gpu = "auto" (a GPU is used
    when the host has one), none for a CPU image the spec keeps off GPUs."""
    if plan.require_cuda:
        return True
    if plan.gpu_request == "auto":
        return "optional"
    return None
