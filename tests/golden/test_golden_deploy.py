"""The optional outputs (`generate --apptainer --k8s`) of a CPU and a GPU case, from the local
image and by digest, byte for byte; and the expected files themselves read back by spython
(Singularity's recipe parser) and validated against the Kubernetes API schema."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from reproenv.render.registry import optional_renderers
from tests.apptainer_recipe import read_recipe
from tests.golden.cases import added_files, case_plan, expected_files

HERE = Path(__file__).parent
PUBLISHED = "ghcr.io/example/{name}@sha256:" + "ab" * 32
# (case, by digest, expected folder): the spec's CPU example and its GPU one
RUNS = [
    ("sklearn-cpu", False, "expected-apptainer-k8s"),
    ("sklearn-cpu", True, "expected-apptainer-k8s-digest"),
    ("torch-gpu", False, "expected-apptainer-k8s"),
    ("torch-gpu", True, "expected-apptainer-k8s-digest"),
]
KUBERNETES = ("1.31.0", kubernetes_validate.latest_version())


@pytest.mark.parametrize(
    ("case", "by_digest", "folder"), RUNS, ids=[f"{c}-{f}" for c, _, f in RUNS]
)
def test_apptainer_and_job_match_expected(
    case: str, by_digest: bool, folder: str, update_golden: bool
) -> None:
    plan = case_plan(HERE / case / "input")
    image = PUBLISHED.format(name=case) if by_digest else None
    rendered = added_files(plan, optional_renderers(apptainer=True, k8s=True, image=image))
    expected = expected_files(HERE / case / folder, rendered, update_golden)
    assert rendered == expected
    assert sorted(rendered) == ["apptainer.def", "k8s/job.yaml"]


DEFS = sorted(HERE.glob("*/expected-apptainer-k8s*/apptainer.def"))
JOBS = sorted(HERE.glob("*/expected-apptainer-k8s*/k8s/job.yaml"))


def _id(path: Path) -> str:
    return str(path.relative_to(HERE))


@pytest.mark.parametrize("path", DEFS, ids=[_id(p) for p in DEFS])
def test_expected_definitions_parse_with_spython(path: Path) -> None:
    recipe = read_recipe(path)
    by_digest = "digest" in path.parent.name
    gpu = path.parts[-3] == "torch-gpu"
    assert recipe.bootstrap == ("docker" if by_digest else "docker-daemon")
    if by_digest:
        assert recipe.source == f"ghcr.io/example/{path.parts[-3]}@sha256:" + "ab" * 32
    else:
        assert recipe.source.startswith(f"{path.parts[-3]}:")
    assert recipe.environment["PATH"] == '"/opt/venv/bin:$PATH"'
    assert recipe.environment["VIRTUAL_ENV"] == "/opt/venv"
    assert ("NVIDIA_REQUIRE_CUDA" in recipe.environment) is gpu
    assert recipe.runscript[0] == "cd /workspace"
    assert "set -- python train.py" in recipe.runscript
    assert recipe.runscript[-1] == 'exec "$@"'
    assert recipe.labels["dev.reproenv.lock-hash"]
    assert recipe.labels["org.opencontainers.image.base.digest"].startswith("sha256:")
    assert ("--nv" in path.read_text(encoding="utf-8")) is gpu


@pytest.mark.parametrize("path", JOBS, ids=[_id(p) for p in JOBS])
@pytest.mark.parametrize("version", KUBERNETES)
def test_expected_jobs_validate_against_the_kubernetes_schema(path: Path, version: str) -> None:
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    kubernetes_validate.validate(manifest, version, strict=True)  # raises on any error
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    gpu = path.parts[-4] == "torch-gpu"
    assert ("resources" in container) is gpu


def test_every_run_has_its_expected_files() -> None:
    """The parse and schema checks above skip silently on an empty list: not here."""
    assert len(DEFS) == len(JOBS) == len(RUNS)
