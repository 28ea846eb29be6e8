"""The code's state from git: a real repository in tmp, and a fake git at the seam for a
machine without git."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from pathlib import Path

from reproenv.runs.git import collect_code


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "train.py").write_text("print(1)\n")
    (root / "metrics.json").write_text("{}\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "first")
    return root


def test_a_clean_tree_records_head(tmp_path: Path) -> None:
    root = repo(tmp_path)
    code = collect_code(root, ["metrics.json"])
    assert code.commit == git(root, "rev-parse", "HEAD")
    assert (code.dirty, code.diff_hash, code.changed, code.note) == (False, None, (), None)


def test_the_runs_own_files_do_not_make_it_dirty(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / ".reproenv" / "runs").mkdir(parents=True)
    (root / ".reproenv" / "runs" / "x.json").write_text("{}")
    (root / "metrics.json").write_text('{"acc": 1}\n')  # a declared output
    assert collect_code(root, ["metrics.json"]).dirty is False
    assert collect_code(root, []).dirty is True


def test_a_dirty_tree_hashes_its_diff_and_untracked_files(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "train.py").write_text("print(2)\n")
    first = collect_code(root)
    assert first.dirty is True and first.changed == ("train.py",)
    diff = subprocess.run(["git", "diff", "HEAD", "--binary", "--", ":/"], cwd=root,
                          capture_output=True, check=True).stdout  # fmt: skip
    assert first.diff_hash == "sha256:" + hashlib.sha256(diff).hexdigest()
    (root / "new.py").write_text("x = 1\n")
    second = collect_code(root)
    assert second.diff_hash != first.diff_hash and "new.py" in second.changed
    (root / "new.py").write_text("x = 2\n")
    assert collect_code(root).diff_hash != second.diff_hash


def test_outside_git_the_commit_is_null_and_the_note_says_why(tmp_path: Path) -> None:
    code = collect_code(tmp_path)
    assert code.commit is None and code.dirty is None
    assert code.note is not None and "not in a git repository" in code.note


def test_without_git_installed(tmp_path: Path) -> None:
    def no_git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
        raise FileNotFoundError("git")

    code = collect_code(tmp_path, git=no_git)
    assert code.commit is None and code.note is not None and "not installed" in code.note
