"""What the golden tests of the optional outputs share: a case's plan from its input folder,
the files an optional renderer adds to the Dockerfile's, and the expected folder read back (or
rewritten first, with --update-golden)."""

from __future__ import annotations

from pathlib import Path

from reproenv.lock.model import LOCK_FILE, lock_hash, read_lock
from reproenv.plan.model import BuildPlan, make_plan
from reproenv.render.base import Renderer
from reproenv.render.registry import render_all
from reproenv.spec.load import load_spec


def case_plan(source: Path) -> BuildPlan:
    spec = load_spec(source, env={})
    lock = read_lock(source / LOCK_FILE)
    assert lock is not None
    return make_plan(spec, lock, lock_hash((source / LOCK_FILE).read_text(encoding="utf-8")))


def added_files(plan: BuildPlan, extra: tuple[Renderer, ...]) -> dict[str, str]:
    """What `extra` writes beyond what every `generate` writes."""
    plain = render_all(plan)
    return {k: v for k, v in render_all(plan, extra).items() if k not in plain}


def expected_files(expected_dir: Path, rendered: dict[str, str], update: bool) -> dict[str, str]:
    if update:
        for relative, text in rendered.items():
            (expected_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / relative).write_text(text, encoding="utf-8")
    return {
        p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in expected_dir.rglob("*")
        if p.is_file()
    }
