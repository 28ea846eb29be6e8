"""The environment fingerprint over synthetic saved images: what it covers, what it ignores."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from reproenv.build.fingerprint import (
    apt_part,
    image_fingerprint,
    pyc_aware_sha256,
    read_fingerprint,
)
from reproenv.errors import ReproenvError
from tests.fakes.image_archive import F, docker_save

STATUS = b"""Package: libc6
Status: install ok installed
Version: 2.36-9
Description: GNU C
 multi-line description: not a field

Package: removed-one
Status: deinstall ok config-files
Version: 1.0

Package: python3
Status: install ok installed
Version: 3.11.2-1
"""


def pyc(mtime: bytes, body: bytes = b"code", flags: bytes = b"\0\0\0\0") -> bytes:
    return b"\xa7\r\r\n" + flags + mtime + b"\x10\0\0\0" + body


def image(
    *, stamp: int = 1, pyc_mtime: bytes = b"\1\0\0\0", extra: tuple[F, ...] = ()
) -> list[list[F]]:
    base = [
        F("var/lib/dpkg/status", STATUS, mtime=stamp),
        F("etc/hostname", str(stamp).encode(), mtime=stamp),  # outside: never counted
    ]
    venv = [
        F("opt/venv", kind="dir", mode=0o755, mtime=stamp),
        F("opt/venv/bin/python", kind="link", target="/usr/bin/python3", mtime=stamp),
        F("opt/venv/lib/m.py", b"x = 1\n", mtime=stamp),
        F("opt/venv/lib/__pycache__/m.cpython-311.pyc", pyc(pyc_mtime), mtime=stamp),
        *extra,
    ]
    return [base, venv]


def fingerprint_of(tmp_path: Path, layers: list[list[F]], name: str = "a.tar"):  # type: ignore[no-untyped-def]
    return read_fingerprint(docker_save(tmp_path / name, layers, {"created": name}))


def test_timestamps_do_not_count_but_content_and_mode_do(tmp_path: Path) -> None:
    first = fingerprint_of(tmp_path, image(stamp=1, pyc_mtime=b"\1\0\0\0"), "1.tar")
    again = fingerprint_of(tmp_path, image(stamp=2, pyc_mtime=b"\2\0\0\0"), "2.tar")
    assert first.digest == again.digest and first.digest.startswith("sha256:")
    assert first.venv.digest is not None and first.prefix.digest is None  # no conda prefix
    changed = fingerprint_of(tmp_path, image(extra=(F("opt/venv/lib/n.py", b"y\n"),)), "3.tar")
    assert changed.digest != first.digest and changed.apt.digest == first.apt.digest
    assert first.differences(changed) == ["venv: lib/n.py: added"]
    moded = fingerprint_of(tmp_path, image(extra=(F("opt/venv/lib/n.py", b"y\n", 0o755),)), "4")
    digest = _sha(b"y\n", "n.py")
    assert changed.differences(moded) == [f"venv: lib/n.py: 100644 {digest} -> 100755 {digest}"]


def _sha(data: bytes, path: str = "a.pyc") -> str:
    return pyc_aware_sha256(path, io.BytesIO(data))


def test_json_parts_and_counts(tmp_path: Path) -> None:
    parts = fingerprint_of(tmp_path, image()).as_dict()
    assert parts["venv"] == {"path": "/opt/venv", "hash": parts["venv"]["hash"], "count": 4}  # type: ignore[index]
    assert parts["prefix"] == {"path": "/opt/conda-env", "hash": None, "count": 0}
    assert parts["apt"]["count"] == 2  # type: ignore[index]


def test_pyc_headers_lose_only_the_source_mtime() -> None:
    assert _sha(pyc(b"\1\0\0\0")) == _sha(pyc(b"\2\0\0\0"))
    assert _sha(pyc(b"\1\0\0\0", b"one")) != _sha(pyc(b"\1\0\0\0", b"two"))
    # hash-checked (flags 1 or 3): bytes 8-16 are the source's hash, kept as they are
    checked = b"\3\0\0\0"
    assert _sha(pyc(b"\1\0\0\0", flags=checked)) != _sha(pyc(b"\2\0\0\0", flags=checked))
    # only .pyc files: any other file's bytes 8-12 are content
    assert _sha(pyc(b"\1\0\0\0"), "a.bin") != _sha(pyc(b"\2\0\0\0"), "a.bin")


def test_apt_set_is_the_installed_packages() -> None:
    assert apt_part(STATUS).lines == ("libc6=2.36-9", "python3=3.11.2-1")
    assert apt_part(None).digest is None


def test_the_conda_prefix_counts_when_present(tmp_path: Path) -> None:
    prefix = [F("opt/conda-env", kind="dir", mode=0o755), F("opt/conda-env/bin/python", b"elf")]
    found = fingerprint_of(tmp_path, [*image(), prefix])
    assert found.prefix.digest is not None and len(found.prefix.lines) == 2


class SavingEngine:
    """`image save -o` writes the archive it was given; anything else is no such image."""

    def __init__(self, layers: list[list[F]] | None) -> None:
        self.layers = layers

    def capture(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        assert args[:3] == ["image", "save", "-o"]
        if self.layers is None:
            return subprocess.CompletedProcess(args, 1, "", "Error: No such image: nope")
        docker_save(Path(args[3]), self.layers, {})
        return subprocess.CompletedProcess(args, 0, "", "")

    def image_inspect(self, image: str) -> dict[str, object] | None:
        return None if self.layers is None else {"Id": "sha256:" + "1" * 64}


def test_image_fingerprint_saves_the_image(tmp_path: Path) -> None:
    found = image_fingerprint(SavingEngine(image()), "demo:x")  # type: ignore[arg-type]
    assert found.digest == fingerprint_of(tmp_path, image()).digest
    with pytest.raises(ReproenvError) as caught:
        image_fingerprint(SavingEngine(None), "nope")  # type: ignore[arg-type]
    assert caught.value.reference == "image-missing"
