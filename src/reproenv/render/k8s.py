"""k8s/job.yaml: a Kubernetes Job (batch/v1) that runs the spec's command once in the image,
as the image's user, with a GPU and a node of the CUDA the image needs when it needs one.
Written by `generate --k8s` only; YAML in a fixed key order, so the same plan gives the same
bytes."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

from reproenv.fsutil import GENERATED_MARKER
from reproenv.plan.model import BuildPlan
from reproenv.render.apptainer import DEFAULT_COMMAND, output_beside
from reproenv.render.environment import driver_requirement

JOB_FILE = "k8s/job.yaml"
GPU_RESOURCE = "nvidia.com/gpu"  # the NVIDIA device plugin's resource
# NVIDIA GPU feature discovery's labels (the deprecated nvidia.com/cuda.runtime.* carry the
# same): the newest CUDA the node's driver runs, as cuDriverGetVersion reports it
CUDA_MAJOR_LABEL = "nvidia.com/cuda.runtime-version.major"
CUDA_MINOR_LABEL = "nvidia.com/cuda.runtime-version.minor"
LOCK_HASH_ANNOTATION = "dev.reproenv/lock-hash"
BASE_ANNOTATION = "dev.reproenv/base-image"
_NAME_LIMIT = 63  # a Job's name becomes a label value of its pods
_WIDTH = 98


@dataclass(frozen=True)
class KubernetesJobRenderer:
    """`image`: the published image as REPOSITORY@sha256:DIGEST (checked by the caller), else
    the local tag `reproenv build` gives it, which a cluster has to be given first."""

    image: str | None = None
    name = "k8s"

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        return (output_beside(dockerfile, JOB_FILE),)

    def render(self, plan: BuildPlan) -> dict[str, str]:
        path = output_beside(plan.dockerfile, JOB_FILE)
        return {path: render_job(plan, self.image, path)}


def render_job(plan: BuildPlan, image: str | None, path: str) -> str:
    notes = [
        f"A Job that runs {plan.name}'s command once in the image of reproenv.lock: "
        f"kubectl apply -f {path}. The command is the container's args, not its command, so "
        "the image's own entrypoint runs first, as under docker run.",
        "image: by digest, the published image." if image else image_note(plan),
    ]
    if plan.require_cuda:
        notes.append(
            f"GPU: {driver_requirement(plan.require_cuda)}. The node's container toolkit "
            f"enforces the image's NVIDIA_REQUIRE_CUDA (cuda>={plan.require_cuda}), so the "
            f"affinity below asks GPU feature discovery's {CUDA_MAJOR_LABEL} and .minor labels "
            f"for a driver that runs CUDA {plan.require_cuda} or newer (a nodeSelector can only "
            "ask for one version)."
        )
    head = [f"# {GENERATED_MARKER} — do not edit; regenerate with: reproenv generate --k8s"]
    for note in notes:
        head += [f"# {line}" for line in textwrap.wrap(note, _WIDTH)]
    import yaml  # on use: the registry, imported by every build, need not load it

    body = yaml.safe_dump(job_manifest(plan, image), sort_keys=False, width=1000)
    return "\n".join(head) + "\n" + body


def image_note(plan: BuildPlan) -> str:
    return (
        f"image: {plan.image_tag} is the tag reproenv build gives the image on this machine, "
        "which a cluster cannot pull: push it to a registry the cluster reaches (reproenv "
        "publish is coming) and regenerate with --image REPOSITORY@sha256:DIGEST."
    )


def job_name(name: str) -> str:
    """The spec's name as a DNS-1123 label ([a-z0-9-], at most 63 characters)."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower())[:_NAME_LIMIT].strip("-")
    return label or "reproenv-job"


def job_manifest(plan: BuildPlan, image: str | None) -> dict[str, Any]:
    name = job_name(plan.name)
    container: dict[str, Any] = {
        "name": name,
        "image": image or plan.image_tag,
        "args": list(plan.command or DEFAULT_COMMAND),
        "workingDir": plan.workdir,
    }
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": True, "runAsUser": plan.uid, "runAsGroup": plan.uid},
        "containers": [container],
    }
    if plan.require_cuda:
        container["resources"] = {"limits": {GPU_RESOURCE: 1}}
        pod["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": cuda_node_terms(plan.require_cuda)
                }
            }
        }
        # GPU nodes are often tainted so that only GPU pods land there
        pod["tolerations"] = [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "reproenv"},
            # annotations, not labels: a label value holds 63 characters, the hash has 64
            "annotations": {
                LOCK_HASH_ANNOTATION: plan.lock_hash,
                BASE_ANNOTATION: plan.base_image,
            },
        },
        "spec": {
            "backoffLimit": 0,  # a failed run is a result to read, not one to retry
            "template": {"metadata": {"labels": {"app.kubernetes.io/name": name}}, "spec": pod},
        },
    }


def cuda_node_terms(require_cuda: str) -> list[dict[str, Any]]:
    """Nodes whose driver runs CUDA ≥ `require_cuda`: a newer major, or the same major with a
    minor at least as new (terms are ORed, a term's expressions ANDed; Gt compares integers)."""
    from reproenv.compat.versions import parse_cuda

    major, minor = parse_cuda(require_cuda)

    def gt(label: str, value: int) -> dict[str, Any]:
        return {"key": label, "operator": "Gt", "values": [str(value)]}

    if minor == 0:
        return [{"matchExpressions": [gt(CUDA_MAJOR_LABEL, major - 1)]}]
    same_major = {"key": CUDA_MAJOR_LABEL, "operator": "In", "values": [str(major)]}
    return [
        {"matchExpressions": [gt(CUDA_MAJOR_LABEL, major)]},
        {"matchExpressions": [same_major, gt(CUDA_MINOR_LABEL, minor - 1)]},
    ]
