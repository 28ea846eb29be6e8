"""Restore an archive: check every member against the manifest, refuse to overwrite a file
that differs (unless forced), load the image into the engine from the file (no registry is
contacted), then write the project's files and the records."""

from __future__ import annotations

import hashlib
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from reproenv.archive.contents import RUNS_DIR
from reproenv.archive.manifest import (
    BUILD_RECORDS,
    IMAGE,
    MANIFEST,
    PROJECT,
    RUN_RECORDS,
    ArchiveManifest,
    not_an_archive,
    parse_manifest,
)
from reproenv.archive.tario import CHUNK, write_bytes_atomic
from reproenv.build.record import RECORDS
from reproenv.engine import ContainerEngine
from reproenv.errors import bad_input, environment

_MAX_MANIFEST = 16 << 20


@dataclass
class Restored:
    manifest: ArchiveManifest
    written: list[str] = field(default_factory=list)  # paths in the project, and records
    unchanged: list[str] = field(default_factory=list)


@dataclass
class _Read:
    manifest: ArchiveManifest
    files: dict[Path, bytes]  # destination -> content


def restore_archive(
    engine: ContainerEngine, archive: Path, project_dir: Path, cache: Path | None, *, force: bool
) -> Restored:
    if not archive.is_file():
        raise bad_input(
            f"{archive}: no such file",
            "archive-missing",
            "name the archive file",
            file=str(archive),
        )
    with tempfile.TemporaryDirectory(prefix="reproenv-restore-") as scratch:
        image = Path(scratch) / IMAGE
        read = _read_archive(archive, project_dir, cache, image, force)
        load_image(engine, image, read.manifest)
    restored = Restored(read.manifest)
    for path, data in sorted(read.files.items()):
        shown = _shown(path, project_dir)
        if path.is_file() and path.read_bytes() == data:
            restored.unchanged.append(shown)
            continue
        write_bytes_atomic(path, data)
        restored.written.append(shown)
    return restored


def _shown(path: Path, project_dir: Path) -> str:
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:
        return str(path)


def _destination(name: str, project_dir: Path, cache: Path | None) -> Path | None:
    """Where a member goes; None for the SBOM (inside the archive only) or without a cache."""
    relative: str | None = None
    if name.startswith(PROJECT):
        relative = name[len(PROJECT) :]
    elif name.startswith(RUN_RECORDS):
        relative = f"{RUNS_DIR}/{name[len(RUN_RECORDS) :]}"
    elif name.startswith(BUILD_RECORDS):
        return None if cache is None else cache / RECORDS / Path(name).name
    if relative is None:
        return None
    target = (project_dir / relative).resolve()
    if project_dir.resolve() not in target.parents:  # a crafted name: ../ or absolute
        raise bad_input(f"the archive names a file outside the project: {name}", "archive-path")
    return target


def _read_archive(
    archive: Path, project_dir: Path, cache: Path | None, image: Path, force: bool
) -> _Read:
    shown = str(archive)
    try:
        tar = tarfile.open(archive, mode="r|")  # noqa: SIM115 - closed by the `with` below
        first = tar.next()
    except (tarfile.TarError, EOFError):
        raise not_an_archive(shown, "it is not a tar file") from None
    with tar:
        if first is None or first.name != MANIFEST or first.size > _MAX_MANIFEST:
            raise not_an_archive(shown, f"its first member is not {MANIFEST}")
        try:
            manifest = parse_manifest(_read_all(tar, first), shown)
            read = _Read(manifest, {})
            seen = _members(tar, read, project_dir, cache, image, force, shown)
        except (tarfile.TarError, EOFError) as exc:
            raise truncated(shown, str(exc)) from None
    missing = [m.name for m in manifest.members if m.name not in seen]
    if missing:
        raise truncated(shown, f"{', '.join(missing[:5])} missing")
    return read


def _members(
    tar: tarfile.TarFile,
    read: _Read,
    project_dir: Path,
    cache: Path | None,
    image: Path,
    force: bool,
    shown: str,
) -> set[str]:
    """Each member after the manifest, checked against it; the names seen."""
    seen: set[str] = set()
    while (info := tar.next()) is not None:  # iterating would yield the manifest again
        expected = read.manifest.member(info.name)
        if expected is None or not info.isfile():
            raise damaged(shown, f"{info.name} is not in its manifest")
        if info.name == IMAGE:
            _check_conflicts(read.files, project_dir, force)
            with image.open("wb") as out:
                digest = _copy(tar, info, out)
        else:
            data = _read_all(tar, info)
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            target = _destination(info.name, project_dir, cache)
            if target is not None:
                read.files[target] = data
        if digest != expected.sha256 or info.size != expected.size:
            raise damaged(shown, f"{info.name} does not match its sha256 in the manifest")
        seen.add(info.name)
    return seen


def _read_all(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    stream = tar.extractfile(info)
    data = stream.read() if stream else b""
    if len(data) != info.size:
        raise EOFError(f"{info.name} ends early")
    return data


def _copy(tar: tarfile.TarFile, info: tarfile.TarInfo, out: IO[bytes]) -> str:
    stream = tar.extractfile(info)
    digest, size = hashlib.sha256(), 0
    while stream is not None and (chunk := stream.read(CHUNK)):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    if size != info.size:
        raise EOFError(f"{info.name} ends early")
    return "sha256:" + digest.hexdigest()


def _check_conflicts(files: dict[Path, bytes], project_dir: Path, force: bool) -> None:
    """Before anything changes: files here that differ from the archive's (records in the
    cache are named by the image ID, and taken as they are)."""
    if force:
        return
    differing = sorted(
        _shown(path, project_dir)
        for path, data in files.items()
        if project_dir.resolve() in path.parents and path.is_file() and path.read_bytes() != data
    )
    if differing:
        raise bad_input(
            f"these files in {project_dir} differ from the archive's: {', '.join(differing)}; "
            "refusing to overwrite them",
            "restore-overwrite",
            "restore into an empty folder (--project DIR), or pass --force to replace them",
            file=", ".join(differing),
        )


def load_image(engine: ContainerEngine, image: Path, manifest: ArchiveManifest) -> None:
    """`docker image load` reads the file alone: no registry is contacted."""
    result = engine.capture(["image", "load", "-i", str(image)])
    if result.returncode != 0 or engine.image_inspect(manifest.image_tag) is None:
        detail = (result.stderr or result.stdout or "").strip().splitlines()
        raise environment(
            f"the engine did not load the archive's image {manifest.image_tag}"
            + (f": {detail[-1]}" if detail else ""),
            "image-load-failed",
            "check the engine (`reproenv doctor`) and the free space of its data root",
            image=manifest.image_tag,
        )


def damaged(archive: str, why: str) -> Exception:
    return bad_input(
        f"{archive} is damaged: {why}",
        "archive-damaged",
        "copy the archive again from where it was written (compare its sha256)",
        file=archive,
    )


def truncated(archive: str, why: str) -> Exception:
    return bad_input(
        f"{archive} is truncated ({why})",
        "archive-truncated",
        "copy the archive again from where it was written: it ends before its last member",
        file=archive,
    )
