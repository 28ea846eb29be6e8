"""Conda package archives for tests: `.conda` and `.tar.bz2`, the same bytes on every run.

A `CondaPackage` describes one build; `package_bytes` makes its archive (info/index.json,
info/paths.json with each file's sha256 and size, info/files, info/link.json for noarch python,
then the files) and `write_package` puts it where a channel keeps it, `<channel>/<subdir>/`.
Entries are sorted, owners and mtimes fixed, and the `.conda` members are zstd frames of raw
blocks: no compressor version changes a byte, so the same inputs give the same sha256.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import json
import struct
import tarfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tests.fakes.package_index import ZIP_EPOCH

Subdir = Literal["noarch", "linux-64", "linux-aarch64"]
NoArch = Literal["python", "generic"]
Format = Literal[".conda", ".tar.bz2"]

ARCH_SUBDIRS: tuple[Subdir, ...] = ("linux-64", "linux-aarch64")
# (platform, arch) as index.json spells them; noarch packages carry neither
_PLATFORM: dict[str, tuple[str | None, str | None]] = {
    "noarch": (None, None),
    "linux-64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "aarch64"),
}
_MTIME = 0  # every archive entry's mtime: the same bytes on every run
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZSTD_BLOCK = 128 * 1024  # the largest block a zstd frame may hold


@dataclass(frozen=True)
class CondaPackage:
    """One build of one package, as it will appear in a channel's subdir."""

    name: str
    version: str
    build: str = "0"
    build_number: int = 0
    subdir: Subdir = "noarch"
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    noarch: NoArch | None = None  # in noarch/: generic unless given
    files: Mapping[str, bytes] = field(default_factory=dict, hash=False)  # prefix path -> bytes
    format: Format = ".conda"
    timestamp: int | None = None  # milliseconds since the epoch, as repodata carries it
    track_features: tuple[str, ...] = ()  # a build the solver takes only when asked for
    license: str = "MIT"

    def __post_init__(self) -> None:
        for name in ("depends", "constrains", "track_features"):
            object.__setattr__(self, name, tuple(getattr(self, name)))  # lists are welcome
        if self.subdir == "noarch" and self.noarch is None:
            object.__setattr__(self, "noarch", "generic")  # what a noarch/ package is at least
        if self.subdir != "noarch" and self.noarch is not None:
            raise ValueError(f"{self.stem}: a noarch package lives in noarch/, not {self.subdir}/")

    @property
    def stem(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    @property
    def filename(self) -> str:
        return self.stem + self.format


def index_json(pkg: CondaPackage) -> dict[str, object]:
    """info/index.json: what the indexer copies into the package's repodata record."""
    platform, arch = _PLATFORM[pkg.subdir]
    doc: dict[str, object] = {
        "arch": arch,
        "build": pkg.build,
        "build_number": pkg.build_number,
        "depends": list(pkg.depends),
        "license": pkg.license,
        "name": pkg.name,
        "platform": platform,
        "subdir": pkg.subdir,
        "version": pkg.version,
    }
    if pkg.constrains:
        doc["constrains"] = list(pkg.constrains)
    if pkg.noarch is not None:
        doc["noarch"] = pkg.noarch
    if pkg.timestamp is not None:
        doc["timestamp"] = pkg.timestamp
    if pkg.track_features:
        doc["track_features"] = " ".join(pkg.track_features)
    return doc


def _json(doc: object) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def info_files(pkg: CondaPackage) -> dict[str, bytes]:
    """The info/ folder: index.json, paths.json (sha256 and size of each file), files."""
    paths = [
        {
            "_path": path,
            "path_type": "hardlink",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size_in_bytes": len(data),
        }
        for path, data in sorted(pkg.files.items())
    ]
    info = {
        "info/index.json": _json(index_json(pkg)),
        "info/paths.json": _json({"paths": paths, "paths_version": 1}),
        "info/files": "".join(f"{path}\n" for path in sorted(pkg.files)).encode(),
    }
    if pkg.noarch == "python":  # what tells the installer to relocate site-packages/
        info["info/link.json"] = _json(
            {"noarch": {"type": "python"}, "package_metadata_version": 1}
        )
    return info


def _tar(entries: Mapping[str, bytes]) -> bytes:
    """An uncompressed tar of `entries` in the given order, owner and mtime fixed."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in entries.items():
            entry = tarfile.TarInfo(name)
            entry.size = len(data)
            entry.mtime = _MTIME
            entry.mode = 0o755 if name.startswith("bin/") else 0o644
            entry.uid = entry.gid = 0
            entry.uname = entry.gname = ""
            archive.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()


def zstd_stored(data: bytes) -> bytes:
    """A zstd frame holding `data` in raw blocks: every decoder reads it, and no compressor
    version changes its bytes (as `_gzip_stored` of the fake index does for gzip)."""
    # single segment, the content size in 8 bytes, no checksum, no dictionary
    header = _ZSTD_MAGIC + bytes([0b1110_0000]) + struct.pack("<Q", len(data))
    chunks = [data[i : i + _ZSTD_BLOCK] for i in range(0, len(data), _ZSTD_BLOCK)] or [b""]
    last = len(chunks) - 1
    # block header: 3 bytes little-endian, bit 0 last block, bits 1-2 type (0: raw), then size
    blocks = [struct.pack("<I", (len(c) << 3) | (i == last))[:3] + c for i, c in enumerate(chunks)]
    return header + b"".join(blocks)


def _zip_entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    entry.create_system = 3  # Unix, whatever machine builds it
    entry.external_attr = 0o100644 << 16
    entry.compress_type = zipfile.ZIP_STORED  # the members are compressed already
    return entry


def package_bytes(pkg: CondaPackage) -> bytes:
    """The archive of `pkg` in its format; the same inputs give the same bytes."""
    info = dict(sorted(info_files(pkg).items()))
    payload = dict(sorted(pkg.files.items()))
    if pkg.format == ".tar.bz2":
        return bz2.compress(_tar({**info, **payload}), 9)
    members = {
        "metadata.json": _json({"conda_pkg_format_version": 2}),
        f"pkg-{pkg.stem}.tar.zst": zstd_stored(_tar(payload)),
        f"info-{pkg.stem}.tar.zst": zstd_stored(_tar(info)),  # last, where range reads look
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(_zip_entry(name), data)
    return buffer.getvalue()


def write_package(pkg: CondaPackage, channel_dir: Path) -> Path:
    """Writes `pkg`'s archive to channel_dir/<subdir>/<filename> (over any file there)."""
    path = channel_dir / pkg.subdir / pkg.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(package_bytes(pkg))
    return path
