from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.inputs import input_hash, requirement_files
from reproenv.spec.load import load_spec


def project(tmp_path: Path, requirements: str = "numpy\n-r extra.txt\n") -> Path:
    (tmp_path / "requirements.in").write_text(requirements)
    (tmp_path / "extra.txt").write_text("scipy\n")
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    return tmp_path


def test_includes_are_followed(tmp_path: Path) -> None:
    spec = load_spec(project(tmp_path), env={})
    assert [p.name for p in requirement_files(spec)] == ["requirements.in", "extra.txt"]


def test_hash_changes_with_any_input_and_not_with_the_mirror(tmp_path: Path) -> None:
    folder = project(tmp_path)
    before = input_hash(load_spec(folder, env={}))
    assert before == input_hash(load_spec(folder, env={"REPROENV_REGISTRY_MIRROR": "x:1"}))
    (folder / "extra.txt").write_text("scipy<2\n")
    after_include = input_hash(load_spec(folder, env={}))
    assert after_include != before
    (folder / "reproenv.toml").write_text(
        'python = "3.12"\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    assert input_hash(load_spec(folder, env={})) not in (before, after_include)


def test_missing_include_names_file_and_line(tmp_path: Path) -> None:
    spec = load_spec(project(tmp_path, "numpy\n-r nowhere.txt\n"), env={})
    with pytest.raises(ReproenvError) as caught:
        requirement_files(spec)
    assert caught.value.context["line"] == "2"
    assert "nowhere.txt" in caught.value.message


def test_input_hash_of_the_canonical_spec_is_pinned() -> None:
    """Changing how inputs are hashed marks every lock stale: it must be a deliberate change
    (bump HASH_SCHEME), so the hash of a canonical spec is written down here."""
    canonical = Path(__file__).parents[2] / "golden" / "sklearn-cpu" / "input"
    assert input_hash(load_spec(canonical, env={})) == (
        "sha256:0222889bb21faaf845c4ee31ab42fbff79d3e9738325244e91f82c9182b127f3"
    )
