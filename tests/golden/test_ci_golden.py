"""The CI pipelines `generate --ci` writes, for the sklearn-cpu case's spec and lock, compared
byte for byte (`--update-golden` rewrites them). They live apart from the cases' expected
folders: plain `generate` does not write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.lock.model import LOCK_FILE, lock_hash, read_lock
from reproenv.plan.model import make_plan
from reproenv.render.registry import CI_RENDERERS, render_all
from reproenv.spec.load import load_spec

HERE = Path(__file__).parent
INPUT = HERE / "sklearn-cpu" / "input"
EXPECTED = HERE / "ci" / "sklearn-cpu"


@pytest.mark.parametrize("ci", sorted(CI_RENDERERS))
def test_ci_pipelines_match_expected(ci: str, update_golden: bool) -> None:
    spec = load_spec(INPUT, env={})
    lock = read_lock(INPUT / LOCK_FILE)
    assert lock is not None
    plan = make_plan(spec, lock, lock_hash((INPUT / LOCK_FILE).read_text(encoding="utf-8")))
    rendered = CI_RENDERERS[ci].render(plan)
    if update_golden:
        for relative, text in rendered.items():
            (EXPECTED / relative).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / relative).write_text(text, encoding="utf-8")
    for relative, text in rendered.items():
        assert text == (EXPECTED / relative).read_text(encoding="utf-8"), relative
    # only with the flag: plain `generate` output stays what it was
    assert not set(rendered) & set(render_all(plan))
