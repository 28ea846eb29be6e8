"""k8s/job.yaml: valid against the Kubernetes schema, the image's user and workdir, a GPU and a
node affinity that lets exactly the nodes whose driver runs the image's CUDA."""

from __future__ import annotations

import dataclasses
from typing import Any

import kubernetes_validate
import pytest
import yaml

from reproenv.render.k8s import (
    CUDA_MAJOR_LABEL,
    CUDA_MINOR_LABEL,
    JOB_FILE,
    KubernetesJobRenderer,
    cuda_node_terms,
    job_name,
)
from tests.fakes.plans import make_build_plan

PUBLISHED = "registry.example.org/team/demo@sha256:" + "cd" * 32


def _job(image: str | None = None, **plan: Any) -> tuple[str, dict[str, Any]]:
    text = KubernetesJobRenderer(image).render(make_build_plan(**plan))[JOB_FILE]
    manifest = yaml.safe_load(text)
    kubernetes_validate.validate(manifest, "1.31.0", strict=True)
    return text, manifest


def _pod(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def test_cpu_job_runs_the_command_once_as_the_images_user() -> None:
    _, manifest = _job(command=("python", "train.py"), uid=1234, workdir="/work")
    pod = _pod(manifest)
    (container,) = pod["containers"]
    assert container["args"] == ["python", "train.py"]
    assert container["workingDir"] == "/work"
    assert pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": 1234, "runAsGroup": 1234}
    assert pod["restartPolicy"] == "Never" and manifest["spec"]["backoffLimit"] == 0
    assert "resources" not in container and "affinity" not in pod
    assert manifest["metadata"]["annotations"]["dev.reproenv/lock-hash"] == "a" * 64


def test_local_tag_says_to_push_and_a_digest_is_used_as_given() -> None:
    text, manifest = _job()
    plan = make_build_plan()
    assert _pod(manifest)["containers"][0]["image"] == plan.image_tag
    assert "reproenv publish" in text and "--image REPOSITORY@sha256:DIGEST" in text
    text, manifest = _job(PUBLISHED)
    assert _pod(manifest)["containers"][0]["image"] == PUBLISHED
    assert "reproenv publish" not in text


def test_gpu_job_asks_for_a_gpu_and_a_node_with_the_driver_the_cuda_needs() -> None:
    text, manifest = _job(PUBLISHED, require_cuda="12.4")
    pod = _pod(manifest)
    assert pod["containers"][0]["resources"] == {"limits": {"nvidia.com/gpu": 1}}
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"] == cuda_node_terms("12.4")
    assert "# GPU: CUDA 12.4 needs driver ≥ 550.54.14" in text


def _matches(terms: list[dict[str, Any]], labels: dict[str, str]) -> bool:
    """The scheduler's reading: any term whose expressions all hold."""

    def holds(expression: dict[str, Any]) -> bool:
        value = labels.get(expression["key"])
        if value is None:
            return False
        if expression["operator"] == "Gt":
            return int(value) > int(expression["values"][0])
        assert expression["operator"] == "In"
        return value in expression["values"]

    return any(all(holds(e) for e in term["matchExpressions"]) for term in terms)


@pytest.mark.parametrize("required", ["11.8", "12.0", "12.4", "13.0", "13.2"])
def test_node_terms_let_exactly_the_nodes_that_run_the_cuda(required: str) -> None:
    need = tuple(int(part) for part in required.split("."))
    terms = cuda_node_terms(required)
    for major in range(10, 15):
        for minor in range(10):
            node = {CUDA_MAJOR_LABEL: str(major), CUDA_MINOR_LABEL: str(minor)}
            assert _matches(terms, node) == ((major, minor) >= need), (required, node)
    assert not _matches(terms, {})  # a node without GPU feature discovery's labels


def test_job_name_is_a_dns_label() -> None:
    assert job_name("my.proj_x") == "my-proj-x"
    assert len(job_name("a" * 128)) == 63
    assert job_name("...") == "reproenv-job"


def test_written_beside_a_dockerfile_in_an_output_folder() -> None:
    plan = dataclasses.replace(make_build_plan(), dockerfile=".reproenv/Dockerfile")
    assert list(KubernetesJobRenderer().render(plan)) == [".reproenv/k8s/job.yaml"]
    assert KubernetesJobRenderer().outputs(plan.dockerfile) == (".reproenv/k8s/job.yaml",)
