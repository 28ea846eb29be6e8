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
from reproenv.lock.model import LockedFeature
from reproenv.plan.model import BuildPlan
from reproenv.render.apptainer import output_beside

DEVCONTAINER_FILE = ".devcontainer/devcontainer.json"
# beside it, as the Dev Containers CLI names it; plain JSON, as the CLI reads and rewrites it
FEATURES_LOCK_FILE = ".devcontainer/devcontainer-lock.json"
EXTENSIONS = ("ms-python.python", "ms-toolsai.jupyter")
GPU_RUN_ARGS = ("--gpus", "all")


@dataclass(frozen=True)
class DevcontainerRenderer:
    name = "devcontainer"

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        # devcontainer-lock.json only with Features: write_files checks it before writing
        return (output_beside(dockerfile, DEVCONTAINER_FILE),)

    def render(self, plan: BuildPlan) -> dict[str, str]:
        path = output_beside(plan.dockerfile, DEVCONTAINER_FILE)
        files = {path: render_devcontainer(plan, path)}
        if plan.dev and plan.dev.feature_pins:
            lock = output_beside(plan.dockerfile, FEATURES_LOCK_FILE)
            files[lock] = render_features_lock(plan.dev.feature_pins)
        return files


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
            # the runtime image with the dev group on top ([devcontainer] in the spec)
            **({"target": "dev"} if plan.dev else {}),
            **base_args(plan),
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
    if plan.dev and plan.dev.features:
        config["features"] = {name: dict(options) for name, options in plan.dev.features}
    gpu = gpu_requirement(plan)
    if gpu is not None:
        config["hostRequirements"] = {"gpu": gpu}
    if plan.require_cuda:
        config["runArgs"] = list(GPU_RUN_ARGS)
    return config


def render_features_lock(pins: tuple[LockedFeature, ...]) -> str:
    """devcontainer-lock.json byte for byte as the Dev Containers CLI writes it (sorted by
    id, two-space JSON, a final newline): `devcontainer build --frozen-lockfile` accepts it."""
    features = {
        pin.id: {"version": pin.version, "resolved": pin.resolved, "integrity": pin.integrity}
        for pin in sorted(pins, key=lambda pin: pin.id)
    }
    return json.dumps({"features": features}, indent=2) + "\n"


def base_args(plan: BuildPlan) -> dict[str, dict[str, str]]:
    """The base from the registry the lock names as holding its copy (`reproenv mirror
    --record`), by the same digest, as `reproenv build` pulls it."""
    if not plan.base_mirror:
        return {}
    from reproenv.oci.reference import copy_reference

    pinned = copy_reference(plan.base_reference, plan.platform_digest, plan.base_mirror)
    return {"args": {"BASE_IMAGE": pinned}}


def gpu_requirement(plan: BuildPlan) -> bool | str | None:
    """True for an image whose code needs CUDA, "optional" for gpu = "auto" (a GPU is used
    when the host has one), none for a CPU image the spec keeps off GPUs."""
    if plan.require_cuda:
        return True
    if plan.gpu_request == "auto":
        return "optional"
    return None
