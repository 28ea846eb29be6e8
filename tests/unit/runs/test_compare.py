"""rerun's checks: each difference said in words, outputs compared by their hashes."""

from __future__ import annotations

from reproenv.runs.compare import code_differences, compare_outputs, image_differences
from reproenv.runs.model import CodeState, ImageState, PathHash
from tests.unit.runs.test_store import record

RECORDED = ImageState(tag="demo:aaaa", id="sha256:" + "a" * 64, repo_digests=())
CLEAN = CodeState(commit="1" * 40, dirty=False, diff_hash=None, changed=(), note=None)


def test_the_image_differs_or_is_missing() -> None:
    assert image_differences(RECORDED, RECORDED) == []
    now = ImageState(tag="demo:bbbb", id="sha256:" + "b" * 64, repo_digests=())
    assert image_differences(RECORDED, now) == [
        "image: recorded aaaaaaaaaaaa (demo:aaaa), now bbbbbbbbbbbb (demo:bbbb)"
    ]
    assert "not built" in image_differences(RECORDED, None)[0]


def test_the_code_differs() -> None:
    assert code_differences(CLEAN, CLEAN) == []
    moved = CLEAN.model_copy(update={"commit": "2" * 40})
    assert code_differences(CLEAN, moved) == [
        "code: recorded at commit 111111111111, HEAD is now 222222222222"
    ]
    dirty = CLEAN.model_copy(update={"dirty": True, "diff_hash": "sha256:x", "changed": ("a.py",)})
    assert code_differences(CLEAN, dirty) == [
        "code: the tree has changes the run did not have: a.py"
    ]
    assert code_differences(dirty, dirty) == []  # the same uncommitted changes
    other = dirty.model_copy(update={"diff_hash": "sha256:y"})
    assert "differ" in code_differences(dirty, other)[0]
    untracked = CodeState(commit=None, dirty=None, diff_hash=None, changed=(), note="no git")
    assert code_differences(untracked, CLEAN) == []
    assert code_differences(CLEAN, untracked) == [
        "code: recorded at commit 111111111111; now no git"
    ]


def _hash(path: str, value: str | None) -> PathHash:
    kind = "file" if value else "missing"
    return PathHash(path=path, kind=kind, hash=value, files=int(bool(value)), bytes=1)


def test_outputs_identical_differing_missing_and_stale() -> None:
    original = record(
        outputs=(_hash("a.json", "sha256:1"), _hash("b.json", "sha256:2"),
                 _hash("c.json", "sha256:3"), _hash("d.json", "sha256:4"))
    )  # fmt: skip
    now = (_hash("a.json", "sha256:1"), _hash("b.json", "sha256:9"), _hash("d.json", "sha256:4"))
    rewritten = {"a.json": True, "b.json": True, "c.json": True, "d.json": False}
    comparison, checks = compare_outputs(original, now, rewritten)
    assert comparison.identical == ("a.json",)
    assert comparison.differing == ("b.json", "c.json", "d.json")
    assert comparison.of == original.id and not comparison.repeatable
    reasons = {check.path: check.reason for check in checks}
    assert reasons["c.json"] == "missing after the rerun"
    assert "not written by the rerun" in reasons["d.json"]
    assert reasons["b.json"] == "2 recorded, 9 now (1 file)"
