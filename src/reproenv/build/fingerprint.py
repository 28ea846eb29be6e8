"""The environment fingerprint: a content hash of what the lock controls inside an image.

The venv and the conda prefix (every file's path, mode and content; symlinks by target) and the
apt package set (name=version from dpkg's status), each hashed over sorted lines, and the three
together. Timestamps are left out, and so is a `.pyc` header's copy of its source's mtime, so
two builds of one lock agree on any engine, even one that cannot rewrite timestamps.

Read from `docker image save`, not by running the image: nothing of the image runs, an image for
another platform needs no emulator, and the layer reader is the one `--check-reproducible`
compares layers with.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from reproenv.engine import ContainerEngine
from reproenv.engine.archive import Archive, Entry, merge, merged_data, read_archive, sha256_of
from reproenv.errors import bad_input, environment
from reproenv.plan.conda import CONDA_PREFIX
from reproenv.plan.model import VENV

DPKG_STATUS = "var/lib/dpkg/status"
_PYC_MAGIC_LENGTH = 16  # PEP 552: magic, flags, then mtime + size or the source's hash


def pyc_aware_sha256(path: str, stream: IO[bytes]) -> str:
    """A timestamp-checked `.pyc` (flags 0) carries its source's mtime in bytes 8-12: hashed
    as zeros. A hash-checked one (SOURCE_DATE_EPOCH builds) is taken as it is."""
    if not path.endswith(".pyc"):
        return sha256_of(path, stream)
    data = stream.read()
    if len(data) >= _PYC_MAGIC_LENGTH and data[4:8] == b"\0\0\0\0":
        data = data[:8] + b"\0\0\0\0" + data[12:]
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Part:
    """One hashed part: `digest` None when the image has no such folder (or no dpkg)."""

    name: str
    where: str
    lines: tuple[str, ...]
    present: bool

    @property
    def digest(self) -> str | None:
        if not self.present:
            return None
        return (
            "sha256:" + hashlib.sha256("".join(f"{x}\n" for x in self.lines).encode()).hexdigest()
        )


@dataclass(frozen=True)
class Fingerprint:
    venv: Part
    prefix: Part
    apt: Part

    @property
    def parts(self) -> tuple[Part, ...]:
        return (self.venv, self.prefix, self.apt)

    @property
    def digest(self) -> str:
        text = "".join(f"{p.name} {p.digest or '-'}\n" for p in self.parts)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"fingerprint": self.digest}
        for part in self.parts:
            found[part.name] = {"path": part.where, "hash": part.digest, "count": len(part.lines)}
        return found

    def differences(self, other: Fingerprint) -> list[str]:
        """What differs, one line each: `venv: lib/...: content`."""
        found = []
        for mine, theirs in zip(self.parts, other.parts, strict=True):
            found += [f"{mine.name}: {line}" for line in _line_changes(mine, theirs)]
        return found


def _line_changes(a: Part, b: Part) -> list[str]:
    if a.present != b.present:
        return [f"{a.where}: {'removed' if a.present else 'added'}"]
    left, right = _by_key(a.lines), _by_key(b.lines)
    found = []
    for key in sorted(left.keys() | right.keys()):
        if key not in left or key not in right:
            found.append(f"{key}: {'added' if key not in left else 'removed'}")
        elif left[key] != right[key]:
            found.append(f"{key}: {left[key]} -> {right[key]}")
    return found


def _by_key(lines: tuple[str, ...]) -> dict[str, str]:
    """`path\\tmode digest` (files) and `name=version` (apt) lines by what they are about."""
    pairs = (line.split("\t", 1) if "\t" in line else line.split("=", 1) for line in lines)
    return {key: value for key, value in pairs}


def tree_part(name: str, tree: Mapping[str, Entry], root: str) -> Part:
    top = root.strip("/")
    lines = [
        f"{path[len(top) :].lstrip('/') or '.'}\t{entry.mode:o} {entry.digest}"
        for path, entry in tree.items()
        if path == top or path.startswith(f"{top}/")
    ]
    return Part(name, f"/{top}", tuple(sorted(lines)), top in tree)


def apt_part(status: bytes | None) -> Part:
    """Installed packages only (`Status: install ok installed`), as name=version."""
    packages: set[str] = set()
    for paragraph in (status or b"").decode("utf-8", "replace").split("\n\n"):
        fields = dict(
            line.split(":", 1) for line in paragraph.splitlines() if ":" in line and line[0] != " "
        )
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        if fields.get("Status", "").endswith(" installed") and "Package" in fields:
            packages.add(f"{fields['Package']}={fields.get('Version', '')}")
    return Part("apt", f"/{DPKG_STATUS}", tuple(sorted(packages)), status is not None)


def archive_fingerprint(archive: Archive, *, venv: str, prefix: str) -> Fingerprint:
    tree = merge(archive.layers)
    status = merged_data(archive.layers, DPKG_STATUS) if DPKG_STATUS in tree else None
    return Fingerprint(
        tree_part("venv", tree, venv), tree_part("prefix", tree, prefix), apt_part(status)
    )


def read_fingerprint(path: Path, *, venv: str = VENV, prefix: str = CONDA_PREFIX) -> Fingerprint:
    archive = read_archive(str(path), hasher=pyc_aware_sha256, keep=(DPKG_STATUS,))
    return archive_fingerprint(archive, venv=venv, prefix=prefix)


def save_image(engine: ContainerEngine, image: str, dest: Path) -> None:
    """`docker image save` to a file: the layers as the engine stores them."""
    result = engine.capture(["image", "save", "-o", str(dest), image])
    if result.returncode == 0:
        return
    if engine.image_inspect(image) is None:
        raise bad_input(
            f"no image {image}",
            "image-missing",
            "build it first, or name an image by its tag or ID",
        )
    detail = (result.stderr or "").strip().splitlines()
    raise environment(
        f"docker image save {image} failed" + (f": {detail[-1]}" if detail else ""),
        "image-save-failed",
        "check the free space in the temporary folder (TMPDIR) and the engine",
        image=image,
    )


def image_fingerprint(
    engine: ContainerEngine, image: str, *, venv: str = VENV, prefix: str = CONDA_PREFIX
) -> Fingerprint:
    with tempfile.TemporaryDirectory(prefix="reproenv-fingerprint-") as scratch:
        archive = Path(scratch) / "image.tar"
        save_image(engine, image, archive)
        return read_fingerprint(archive, venv=venv, prefix=prefix)
