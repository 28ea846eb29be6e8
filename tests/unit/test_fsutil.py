from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.fsutil import read_user_text
from reproenv.lock.inputs import requirement_files
from reproenv.spec.load import load_spec


def test_latin1_bytes_are_named_with_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "requirements.in"
    path.write_bytes(b"numpy\nscipy  # caf\xe9\n")
    with pytest.raises(ReproenvError) as caught:
        read_user_text(path)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert caught.value.reference == "not-utf8"
    assert caught.value.message == "requirements.in:2: not UTF-8 text (byte 0xe9 at column 13)"
    assert caught.value.context == {"file": str(path), "line": "2"}
    assert "UTF-8" in caught.value.hint


def test_text_reads_as_text_mode_does(tmp_path: Path) -> None:
    path = tmp_path / "requirements.in"
    path.write_bytes("numpy\r\nscipy\rtorch # ü\n".encode())
    assert read_user_text(path) == path.read_text(encoding="utf-8")


def test_an_unreadable_file_is_named_and_a_missing_one_is_left_to_the_caller(
    tmp_path: Path,
) -> None:
    (tmp_path / "requirements.in").mkdir()
    with pytest.raises(ReproenvError) as caught:
        read_user_text(tmp_path / "requirements.in")
    assert caught.value.reference == "unreadable-file"
    with pytest.raises(FileNotFoundError):
        read_user_text(tmp_path / "absent.in")


def test_an_included_requirement_file_in_latin1_is_named(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("-r more.txt\n")
    (tmp_path / "more.txt").write_bytes(b"lib\n# d\xe9j\xe0 vu\n")
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    spec = load_spec(tmp_path, env={})
    with pytest.raises(ReproenvError) as caught:
        requirement_files(spec)
    assert caught.value.message.startswith("more.txt:2: not UTF-8 text")
    assert caught.value.context["file"] == str(tmp_path / "more.txt")


@pytest.mark.parametrize("name", ["reproenv.toml", ".python-version"])
def test_spec_files_in_latin1_are_named(tmp_path: Path, name: str) -> None:
    (tmp_path / "reproenv.toml").write_text("[pip]\nrequirements = []\n")
    (tmp_path / name).write_bytes(b'name = "d\xe9mo"\n' if name == "reproenv.toml" else b"3.11\xe9")
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path, env={})
    assert caught.value.message.startswith(f"{name}:1: not UTF-8 text")
