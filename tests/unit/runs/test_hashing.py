"""Content hashes of declared inputs and outputs: sha256sum's for a file, a fixed order for a
folder whatever the order its files were made in."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from reproenv.runs.hashing import hash_path, hash_paths, newest_change


def test_a_file_hashes_as_sha256sum(tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_bytes(b'{"acc": 0.5}\n')
    found = hash_path(tmp_path, "metrics.json")
    assert found.kind == "file"
    assert found.hash == "sha256:" + hashlib.sha256(b'{"acc": 0.5}\n').hexdigest()
    assert (found.files, found.bytes) == (1, 13)


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {Path(name).name}\n")


def test_a_folder_hash_is_independent_of_creation_order(tmp_path: Path) -> None:
    names = ["b.txt", "a/z.bin", "a/b/c.txt", "A.txt", "é.txt"]
    _tree(tmp_path / "one" / "models", names)
    _tree(tmp_path / "two" / "models", list(reversed(names)))
    (tmp_path / "two" / "models" / "empty").mkdir()  # empty folders do not count
    one, two = hash_path(tmp_path / "one", "models/"), hash_path(tmp_path / "two", "models")
    assert one == two
    assert one.kind == "folder" and one.path == "models" and one.files == 5


def test_a_folder_hash_is_of_paths_in_byte_order_and_bytes(tmp_path: Path) -> None:
    _tree(tmp_path / "out", ["b", "a/x", "B"])
    lines = b"".join(
        name.encode() + b"\0" + hashlib.sha256((tmp_path / "out" / name).read_bytes())
        .hexdigest().encode() + b"\n"
        for name in sorted(["b", "a/x", "B"], key=str.encode)
    )  # fmt: skip
    assert hash_path(tmp_path, "out").hash == "sha256:" + hashlib.sha256(lines).hexdigest()


def test_content_and_names_both_change_a_folder_hash(tmp_path: Path) -> None:
    _tree(tmp_path / "out", ["a.txt"])
    first = hash_path(tmp_path, "out").hash
    (tmp_path / "out" / "a.txt").write_text("changed\n")
    second = hash_path(tmp_path, "out").hash
    (tmp_path / "out" / "a.txt").rename(tmp_path / "out" / "b.txt")
    third = hash_path(tmp_path, "out").hash
    assert len({first, second, third}) == 3


def test_links_are_not_followed_and_missing_paths_say_so(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "secret.txt").write_text("outside\n")
    (tmp_path / "out" / "link").symlink_to(tmp_path / "secret.txt")
    found = hash_path(tmp_path, "out")
    assert found.files == 1 and found.bytes == 0  # the link's target text, not the file
    missing = hash_paths(tmp_path, ["nothing.json"])
    assert [(m.path, m.kind, m.hash) for m in missing] == [("nothing.json", "missing", None)]


def test_newest_change_sees_a_rewrite(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "m.json").write_text("1")
    os.utime(tmp_path / "out" / "m.json", ns=(1, 1_000))
    before = newest_change(tmp_path, "out")
    (tmp_path / "out" / "m.json").write_text("1")
    assert before == 1_000 and newest_change(tmp_path, "out") != before
    assert newest_change(tmp_path, "absent") is None
