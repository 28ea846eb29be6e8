"""`reproenv generate --explain`: the dependency layers in install order, each with its reason,
from the lock alone (offline, --frozen)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import Cli

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def test_explain_lists_torch_with_its_cuda_wheels_before_the_rest(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "torch-gpu"
    shutil.copytree(GOLDEN / "torch-gpu" / "input", project)
    result = cli("generate", "--frozen", "--explain", cwd=project)
    assert result.code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[0].startswith("dependency layers (linux/amd64), in install order")
    first = next(line for line in lines if line.startswith("1. "))
    assert first.split()[1:4] == ["torch", "20", "packages"]
    assert "torch and the 19 packages it loads at run time" in first
    assert "size unknown" in first  # this lock was made before sizes were recorded
    assert "nvidia-cublas" in lines[lines.index(first) + 1]
    last = next(line for line in lines if line.startswith("2. "))
    assert last.split()[1:3] == ["the", "rest"]
    assert not any(line.startswith("3. ") for line in lines)


def test_without_explain_generate_prints_no_layers(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "torch-gpu"
    shutil.copytree(GOLDEN / "torch-gpu" / "input", project)
    result = cli("generate", "--frozen", cwd=project)
    assert result.code == 0, result.output
    assert "dependency layers" not in result.output
