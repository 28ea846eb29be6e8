"""What an image holds, read from a synthetic saved image: dist-info (METADATA, RECORD,
direct_url.json), dpkg's status, conda-meta records, labels and platform; later layers over
earlier ones, whiteouts applied."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from reproenv.verify.contents import CondaRecord, Dist, read_contents
from tests.fakes.image_archive import F, docker_save, oci_layout

SITE = "opt/venv/lib/python3.11/site-packages"
STATUS = b"""Package: tree
Status: install ok installed
Version: 2.1.0-1

Package: gone
Status: deinstall ok config-files
Version: 1.0
"""


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def dist(name: str, version: str, files: dict[str, bytes], *, local: bool = False) -> list[F]:
    info = f"{SITE}/{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nlong text\n".encode()
    rows = [f"{path},{record_hash(data)},{len(data)}" for path, data in files.items()]
    rows += [f"{name}-{version}.dist-info/METADATA,,", f"{name}/__pycache__/x.cpython-311.pyc,,"]
    entries = [F(f"{SITE}/{path}" if not path.startswith("../") else
                 str(Path(SITE, path)).replace(f"{SITE}/../../../", "opt/venv/"), data)
               for path, data in files.items()]  # fmt: skip
    entries += [F(f"{info}/METADATA", metadata), F(f"{info}/RECORD", "\n".join(rows).encode())]
    if local:
        direct = json.dumps({"url": "file:///tmp/reproenv/project", "dir_info": {}})
        entries.append(F(f"{info}/direct_url.json", direct.encode()))
    return entries


def layers() -> list[list[F]]:
    base = [F("var/lib/dpkg/status", STATUS), F("usr/lib/python3/dist-packages/x.py", b"")]
    venv = [
        F("opt/venv", kind="dir", mode=0o755),
        *dist(
            "Six", "1.16.0", {"six.py": b"six\n", "../../../bin/six": b"#!/opt/venv/bin/python\n"}
        ),
        *dist("demo", "0.1.0", {"demo/__init__.py": b""}, local=True),
        *dist("removed", "1.0", {"removed.py": b""}),
    ]
    zlib = {"name": "zlib", "version": "1.3", "build": "h2_0", "sha256": "c" * 64}
    conda = [
        F("opt/conda-env/conda-meta/zlib-1.3-h2_0.json", json.dumps(zlib).encode()),
        F("opt/conda-env/conda-meta/history", b"not json"),
    ]
    edits = [
        F(f"{SITE}/six.py", b"edited\n"),  # a later layer changes a RECORD'ed file
        F(f"{SITE}/.wh.removed-1.0.dist-info"),  # and removes a whole distribution
    ]
    return [base, venv, conda, edits]


CONFIG = {
    "os": "linux",
    "architecture": "arm64",
    "variant": "v8",
    "config": {"Labels": {"dev.reproenv.lock-hash": "abc"}},
}


def test_a_saved_image_gives_its_dists_apt_conda_labels_and_platform(tmp_path: Path) -> None:
    found = read_contents(
        docker_save(tmp_path / "image.tar", layers(), CONFIG),
        venv="/opt/venv",
        prefix="/opt/conda-env",
    )
    assert found.platform == "linux/arm64"  # arm64/v8 is arm64, as containerd matches them
    assert found.labels == {"dev.reproenv.lock-hash": "abc"}
    assert found.apt == {"tree": "2.1.0-1"}
    assert found.conda == (CondaRecord("zlib", "1.3", "h2_0", "c" * 64),)
    assert found.dists == (
        Dist("demo", "0.1.0", local=True, checked_files=1),
        Dist("six", "1.16.0", changed_files=(f"/{SITE}/six.py: content",), checked_files=2),
    )
    assert found.fingerprint is not None and found.fingerprint.venv.present


def test_an_oci_layout_reads_the_same_and_a_missing_record_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "layout").mkdir()
    path = tmp_path / "layout" / "image.tar"
    gone = [*layers()[:2], [F("opt/venv/bin/.wh.six")]]
    oci_layout(path, gone, {"os": "linux", "architecture": "amd64"})
    found = read_contents(path, venv="/opt/venv", prefix="/opt/conda-env")
    assert found.platform == "linux/amd64" and found.apt == {"tree": "2.1.0-1"}
    six = next(d for d in found.dists if d.name == "six")
    assert six.changed_files == ("/opt/venv/bin/six: removed",)
    assert {d.name for d in found.dists} == {"six", "demo", "removed"}
    assert found.conda == ()


def test_an_image_without_dpkg_has_no_apt_set(tmp_path: Path) -> None:
    path = docker_save(tmp_path / "bare.tar", [[F("bin/sh", b"elf")]], {})
    found = read_contents(path, venv="/opt/venv", prefix="/opt/conda-env")
    assert found.apt is None and found.dists == () and found.platform is None
