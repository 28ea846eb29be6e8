"""conda-lock's unified `conda-lock.yml` (format version 1) read as reproenv's conda records,
with what the lock-file modules share: the read result (`lockfile_write.py` writes the format,
`pixi.py` reads pixi.lock; the platform <-> subdir table is `compat/conda_subdirs.py`).

conda-lock lists one entry per package and target platform, a noarch file once for each
platform that installs it; reproenv keeps one record per file with every platform it serves.
conda-lock has no build or subdir field: both come from the URL (`…/<subdir>/<name>-<version>-
<build>.conda`). It keeps no `constrains` or size either, so those do not survive a round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import ConfigDict, Field, ValidationError

from reproenv.compat.conda_subdirs import SUBDIRS
from reproenv.errors import ReproenvError, bad_input, redact
from reproenv.fsutil import read_user_text
from reproenv.lock.model import LockedCondaPackage
from reproenv.model_base import StrictModel

CONDA_LOCK_VERSION = 1
NOARCH = "noarch"
_ARCHIVE_SUFFIXES = (".conda", ".tar.bz2")


@dataclass(frozen=True)
class PipEntry:
    """A pip package a conda lock file pins for one platform (reproenv's name), by file."""

    name: str
    version: str
    url: str
    sha256: str
    platform: str


def pip_file_name(url: str) -> str | None:
    """The file name of a pip entry's URL when it is a wheel or an sdist pip can install by
    hash; None otherwise (a folder, a VCS checkout, an archive of another kind)."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    name = unquote(PurePosixPath(urlsplit(url).path).name)
    try:
        if name.endswith(".whl"):
            parse_wheel_filename(name)
        else:
            parse_sdist_filename(name)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return name


PIP_FILE_HINT = "reproenv installs PyPI packages from a wheel or an sdist (.tar.gz, .zip) by hash"


@dataclass(frozen=True)
class CondaLockInput:
    """What a conda lock file pins for the requested platforms."""

    packages: tuple[LockedCondaPackage, ...]
    pip: tuple[PipEntry, ...]
    channels: tuple[str, ...]  # in priority order, as the file names them
    # conda-lock's hash of its inputs per platform (reproenv's names); empty for pixi.lock
    content_hashes: Mapping[str, str] = field(default_factory=dict)


def conda_subdir(platform: str, file: Path | None = None) -> str:
    """conda's subdir for a reproenv platform; one conda cannot target is the user's error."""
    if platform not in SUBDIRS:
        raise bad_input(
            f"conda environments target {', '.join(SUBDIRS)}; {platform} is not one of them",
            "conda-platform-unsupported",
            "remove it from `platforms` in the spec",
            **({"file": str(file)} if file else {}),
        )
    return SUBDIRS[platform]


# conda-lock's own file, as far as reproenv reads it: the strict base, but unknown keys
# (source, time_metadata, …) are conda-lock's business and ignored, not errors
class _Model(StrictModel):
    model_config = ConfigDict(extra="ignore")


class _Hash(_Model):
    md5: str | None = None
    sha256: str | None = None


class _Entry(_Model):
    name: str
    version: str
    manager: Literal["conda", "pip"]
    platform: str
    dependencies: dict[str, str] = Field(default_factory=dict)
    url: str
    hash: _Hash
    build: str | None = None
    optional: bool = False


class _Channel(_Model):
    url: str


class _Meta(_Model):
    content_hash: dict[str, str] = Field(default_factory=dict)
    channels: list[_Channel | str]
    platforms: list[str]


class _File(_Model):
    version: int
    metadata: _Meta
    package: list[_Entry]


def read_conda_lock(path: Path, platforms: tuple[str, ...]) -> CondaLockInput:
    """The conda records and pip files `path` pins for `platforms`; the optional (dev or
    extra category) entries are left out, as `conda-lock install` leaves them by default."""
    lock = _load(path)
    channels = tuple(c if isinstance(c, str) else c.url for c in lock.metadata.channels)
    wanted: dict[str, str] = {}
    for platform in platforms:
        subdir = conda_subdir(platform, path)
        if subdir not in lock.metadata.platforms:
            raise _bad(
                path,
                "metadata.platforms",
                f"no {subdir} ({platform}); it locks {', '.join(lock.metadata.platforms)}",
                "conda-lock-platform-missing",
                f"lock it for {subdir}: `conda-lock lock -p {subdir} …`",
            )
        wanted[subdir] = platform
    records: dict[LockedCondaPackage, set[str]] = {}
    pip: list[PipEntry] = []
    for number, entry in enumerate(lock.package):
        target = wanted.get(entry.platform)
        if target is None or entry.optional or entry.name.startswith("__"):
            continue  # another platform, an optional category, or a virtual package
        key = f"package[{number}]"
        if entry.manager == "pip":
            pip.append(_pip_entry(path, key, entry, target))
        else:
            records.setdefault(_record(path, key, entry, channels), set()).add(target)
    packages = (
        record.model_copy(update={"platforms": tuple(sorted(found))})
        for record, found in records.items()
    )
    return CondaLockInput(
        packages=tuple(sorted(packages, key=_record_key)),
        pip=tuple(sorted(set(pip), key=lambda p: (p.name, p.platform, p.url))),
        channels=channels,
        content_hashes={
            wanted[subdir]: value
            for subdir, value in sorted(lock.metadata.content_hash.items())
            if subdir in wanted
        },
    )


def _load(path: Path) -> _File:
    try:
        text = read_user_text(path)
    except FileNotFoundError:
        raise bad_input(
            f"{path.name} not found", "conda-lock-missing", "", file=str(path)
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = {"line": str(mark.line + 1)} if mark is not None else {}
        problem = getattr(exc, "problem", None) or str(exc)
        raise bad_input(
            f"{path.name}{':' + line['line'] if line else ''}: not valid YAML ({problem})",
            "conda-lock-not-yaml",
            "restore it from version control, or lock again",
            file=str(path),
            **line,
        ) from None
    if not isinstance(data, dict):
        raise _bad(path, "", f"not a mapping but {type(data).__name__}", "conda-lock-not-mapping")
    if data.get("version") != CONDA_LOCK_VERSION:
        raise _bad(
            path,
            "version",
            f"format version {data.get('version')!r}; reproenv reads conda-lock's unified "
            f"format version {CONDA_LOCK_VERSION}",
            "conda-lock-version",
            "write it with conda-lock 2 or later (`conda-lock lock --kind lock`)",
        )
    try:
        return _File.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _bad(path, _key(first["loc"]), first["msg"], "conda-lock-invalid") from None


def _key(loc: Iterable[int | str]) -> str:
    """pydantic's location as one reads it in the file: `package[3].hash`."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else part
    return key


def _record(path: Path, key: str, entry: _Entry, channels: tuple[str, ...]) -> LockedCondaPackage:
    if not entry.hash.sha256 or not entry.hash.md5:
        missing = "sha256" if not entry.hash.sha256 else "md5"
        raise _bad(
            path,
            f"{key}.hash",
            f"{missing} missing",
            "conda-lock-hash-missing",
            "conda-lock writes md5 and sha256 for every conda package: lock again",
        )
    url = redact(entry.url, mask="")  # credentials are the build's to add, never the lock's
    base, subdir, file_name = _split_url(path, f"{key}.url", url)
    if subdir not in (NOARCH, entry.platform):
        raise _bad(
            path, f"{key}.url", f"a {subdir} package for {entry.platform}", "conda-lock-bad-url"
        )
    return LockedCondaPackage(
        name=entry.name,
        version=entry.version,
        build=entry.build or _build(path, f"{key}.url", entry, file_name),
        subdir=subdir,
        channel=_channel(base, channels),
        url=url,
        sha256=entry.hash.sha256,
        md5=entry.hash.md5,
        platforms=(),
        depends=tuple(f"{name} {spec}".strip() for name, spec in entry.dependencies.items()),
    )


def _split_url(path: Path, key: str, url: str) -> tuple[str, str, str]:
    """(channel URL, subdir, file name) of a package file's URL."""
    parts = urlsplit(url)
    folders = PurePosixPath(parts.path)
    if not parts.scheme or not folders.name.endswith(_ARCHIVE_SUFFIXES) or len(folders.parts) < 3:
        raise _bad(
            path,
            key,
            f"{url!r} is not a conda package URL (<channel>/<subdir>/<file>.conda or .tar.bz2)",
            "conda-lock-bad-url",
        )
    base = url[: url.rindex("/", 0, url.rindex("/"))]
    return base, folders.parent.name, folders.name


def _build(path: Path, key: str, entry: _Entry, file_name: str) -> str:
    stem = next(file_name.removesuffix(s) for s in _ARCHIVE_SUFFIXES if file_name.endswith(s))
    prefix = f"{entry.name}-{entry.version}-"
    if not stem.startswith(prefix) or stem == prefix:
        raise _bad(
            path,
            key,
            f"file {file_name} is not {prefix}<build>: the URL does not match name and version",
            "conda-lock-bad-url",
        )
    return stem.removeprefix(prefix)


def _channel(base: str, channels: Iterable[str]) -> str:
    """The channel as the file names it (`conda-forge`, or its URL) when one serves `base`."""
    for channel in channels:
        name = channel.rstrip("/")
        if base == name or ("://" not in name and base.endswith(f"/{name}")):
            return channel
    return base


def _pip_entry(path: Path, key: str, entry: _Entry, platform: str) -> PipEntry:
    if not entry.hash.sha256:
        raise _bad(
            path,
            f"{key}.hash",
            "sha256 missing",
            "conda-lock-hash-missing",
            "reproenv installs pip packages by hash only: lock them from an index",
        )
    if pip_file_name(entry.url) is None:
        raise _bad(
            path,
            f"{key}.url",
            f"{redact(entry.url)!r} is not a wheel or an sdist of {entry.name}",
            "conda-lock-bad-url",
            PIP_FILE_HINT,
        )
    return PipEntry(
        entry.name, entry.version, redact(entry.url, mask=""), entry.hash.sha256, platform
    )


def _bad(path: Path, key: str, detail: str, reference: str, hint: str = "") -> ReproenvError:
    where = f"{path.name}: {key}: " if key else f"{path.name}: "
    context = {"file": str(path), **({"key": key} if key else {})}
    return bad_input(
        where + detail,
        reference,
        hint or "restore it from version control, or lock again",
        **context,
    )


def _record_key(record: LockedCondaPackage) -> tuple[str, str, tuple[str, ...], str]:
    return (record.name, record.subdir, record.platforms, record.url)
