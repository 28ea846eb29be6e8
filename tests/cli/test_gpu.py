"""Acceptance: examples/torch-gpu locks (resolution only) to the right CUDA, explains it,
and renders a Dockerfile with the NVIDIA variables; a driver too old is a clear error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reproenv.cli.run_cmd import wants_gpus
from reproenv.errors import ReproenvError
from tests.conftest import EXAMPLES, Cli

HADOLINT = Path(sys.executable).parent / "hadolint"


@pytest.fixture
def torch_project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "torch-gpu", tmp_path / "torch-gpu"))


@pytest.mark.network
def test_torch_gpu_example_locks_and_renders(cli: Cli, torch_project: Path) -> None:
    result = cli("lock", "--explain-gpu", cwd=torch_project)
    assert result.code == 0, result.output
    assert "gpu: cuda (CUDA 13.0)" in result.stdout
    assert "bundled as nvidia-* wheels" in result.stdout
    assert "driver 580.95.05 runs CUDA 13.0" in result.stdout
    lock = (torch_project / "reproenv.lock").read_text()
    assert 'name = "nvidia-cuda-runtime"' in lock
    assert cli("generate", cwd=torch_project).code == 0
    dockerfile = torch_project / "Dockerfile"
    text = dockerfile.read_text()
    assert 'NVIDIA_REQUIRE_CUDA="cuda>=13.0"' in text
    assert "NVIDIA_VISIBLE_DEVICES=all" in text
    assert "python:3.11-slim-bookworm@sha256:" in text  # wheels bundle CUDA: plain Python base
    linted = subprocess.run([str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True)
    assert linted.returncode == 0, linted.stdout


@pytest.mark.network
def test_a_driver_too_old_for_the_default_wheel_asks_for_the_variant(
    cli: Cli, torch_project: Path
) -> None:
    """535 cannot run torch 2.11's CUDA 13.0 wheel: the lock turns to the cu128 build, from an
    index that here does not answer, and says all of that."""
    spec = torch_project / "reproenv.toml"
    spec.write_text(spec.read_text().replace('"580.95.05"', '"535.183.01"'))
    env = {"REPROENV_TORCH_INDEX": "http://127.0.0.1:9/{variant}", "REPROENV_HTTP_RETRIES": "0"}
    result = cli("lock", cwd=torch_project, env=env)
    assert result.code == 3, result.output  # the variant's index is unreachable
    assert "CUDA 13.0 needs driver ≥ 580" in result.stderr
    assert "cu128 build from http://127.0.0.1:9/cu128 could not be locked" in result.stderr
    assert "Traceback" not in result.output
    assert not (torch_project / "reproenv.lock").exists()


def test_run_adds_gpus_only_when_needed_and_refuses_without_a_gpu() -> None:
    assert wants_gpus(None, cpu=False) is False
    assert wants_gpus("13.0", cpu=True) is False
    with pytest.raises(ReproenvError) as caught:  # the fake host has no GPU, whatever runs this
        wants_gpus("13.0", cpu=False)
    assert caught.value.reference == "gpu-missing"
    assert "--cpu" in caught.value.hint


def test_cupy_with_a_python_no_cuda_image_has_is_refused_before_anything_is_written(
    cli: Cli, tmp_path: Path
) -> None:
    from tests.fakes.package_index import FakeIndex, FakePackage

    with FakeIndex([FakePackage("cupy-cuda12x", "13.4.1")]).serve() as index:
        project = tmp_path / "cupy"
        project.mkdir()
        (project / "requirements.in").write_text(f"--index-url {index.url}\ncupy-cuda12x\n")
        (project / "reproenv.toml").write_text(
            'python = "3.11"\n[pip]\nrequirements = ["requirements.in"]\n'
        )
        result = cli("lock", cwd=project)
    assert result.code == 2, result.output
    assert "nvidia/cuda images for CUDA 12.x carry no Python" in result.stderr
    assert "none is Python 3.11" in result.stderr
    assert 'set python = "3.12"' in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in project.iterdir()) == ["reproenv.toml", "requirements.in"]
