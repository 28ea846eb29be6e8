"""pixi.lock (rattler's lock file) to reproenv's conda records, through py-rattler's reader."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urldefrag

from reproenv.errors import ReproenvError, bad_input, redact
from reproenv.lock.conda.lockfiles import (
    PIP_FILE_HINT,
    CondaLockInput,
    PipEntry,
    conda_subdir,
    pip_file_name,
)
from reproenv.lock.model import LockedCondaPackage

if TYPE_CHECKING:
    from rattler import Environment, LockPlatform, PypiLockedPackage, RepoDataRecord

DEFAULT_ENVIRONMENT = "default"


def read_pixi_lock(
    path: Path, environment: str | None, platforms: tuple[str, ...]
) -> CondaLockInput:
    """The conda records and PyPI files of one environment of `path` (`default` unless
    named) for `platforms`; pixi keeps no content hash reproenv could use."""
    name = environment or DEFAULT_ENVIRONMENT
    env = _environment(path, name)
    channels = tuple(str(channel).rstrip("/") for channel in env.channels())
    # by subdir: a v7 lock may give a platform a name of its own
    locked = {str(platform.subdir): platform for platform in env.platforms()}
    records: dict[LockedCondaPackage, set[str]] = {}
    pip: list[PipEntry] = []
    for platform in platforms:
        subdir = conda_subdir(platform, path)
        if subdir not in locked:
            raise _bad(
                path,
                f"environments.{name}",
                f"no {subdir} ({platform}); it locks {', '.join(sorted(locked)) or 'none'}",
                "pixi-lock-platform-missing",
                f"add {subdir} to the workspace's platforms and run `pixi lock`",
            )
        for record in _conda_records(path, env, locked[subdir]):
            records.setdefault(_record(path, record), set()).add(platform)
        pip += (_pip_entry(path, package, platform) for package in _pypi(env, locked[subdir]))
    packages = (
        record.model_copy(update={"platforms": tuple(sorted(found))})
        for record, found in records.items()
    )
    return CondaLockInput(
        packages=tuple(sorted(packages, key=lambda r: (r.name, r.subdir, r.platforms, r.url))),
        pip=tuple(sorted(set(pip), key=lambda p: (p.name, p.platform, p.url))),
        channels=channels,
    )


def _environment(path: Path, name: str) -> Environment:
    from rattler import LockFile
    from rattler.exceptions import ParseCondaLockError

    if not path.is_file():
        raise bad_input(f"{path.name} not found", "pixi-lock-missing", "", file=str(path))
    try:
        lock = LockFile.from_path(path)
    except ParseCondaLockError as exc:
        raise _bad(
            path, "", f"not a lock file pixi or rattler reads ({exc})", "pixi-lock-invalid"
        ) from None
    env = lock.environment(name)
    if env is None:
        names = sorted(found for found, _ in lock.environments())
        raise _bad(
            path,
            f"environments.{name}",
            f"no environment {name!r}; it has {', '.join(names) or 'none'}",
            "pixi-environment-missing",
            "name one of them in the spec's conda environment",
        )
    return env


def _conda_records(path: Path, env: Environment, platform: LockPlatform) -> list[RepoDataRecord]:
    from rattler.exceptions import ConversionError

    try:
        return env.conda_repodata_records_for_platform(platform) or []
    except ConversionError as exc:  # a source package: pixi builds it, reproenv cannot
        raise _bad(
            path,
            f"packages ({platform.name})",
            f"a conda package reproenv cannot install from a file ({exc})",
            "pixi-lock-invalid",
            "lock binary packages only",
        ) from None


def _pypi(env: Environment, platform: LockPlatform) -> Iterable[PypiLockedPackage]:
    return env.pypi_packages_for_platform(platform) or []


def _record(path: Path, record: RepoDataRecord) -> LockedCondaPackage:
    url = redact(record.url, mask="")
    if record.sha256 is None or record.md5 is None:
        missing = "sha256" if record.sha256 is None else "md5"
        raise _bad(path, f"packages[{url}]", f"{missing} missing", "pixi-lock-hash-missing")
    return LockedCondaPackage(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        subdir=record.subdir,
        channel=(record.channel or "").rstrip("/"),
        url=url,
        sha256=record.sha256.hex(),
        md5=record.md5.hex(),
        platforms=(),
        depends=tuple(record.depends),
        constrains=tuple(record.constrains),
        size=record.size,
    )


def _pip_entry(path: Path, package: PypiLockedPackage, platform: str) -> PipEntry:
    url, fragment = urldefrag(package.location)
    sha256 = _hash_of(package)
    if not sha256 and fragment.startswith("sha256="):  # added by URL alone: the hash in it
        sha256 = fragment.removeprefix("sha256=")
    if not sha256:
        raise _bad(
            path,
            f"packages[{package.location}]",
            f"PyPI package {package.name} has no sha256 (a local or editable package?)",
            "pixi-lock-hash-missing",
            "reproenv installs PyPI packages by hash only: lock them from an index",
        )
    if pip_file_name(url) is None:
        raise _bad(
            path,
            f"packages[{redact(package.location)}]",
            f"PyPI package {package.name} is not a wheel or an sdist",
            "pixi-lock-bad-url",
            PIP_FILE_HINT,
        )
    return PipEntry(package.name, package.version, redact(url, mask=""), sha256, platform)


def _hash_of(package: PypiLockedPackage) -> str | None:
    try:
        digest = package.hashes.sha256 if package.hashes else None
    except AttributeError:  # py-rattler 0.28 wraps a missing hash in a PackageHashes of None
        return None
    return digest.hex() if digest else None


def _bad(path: Path, key: str, detail: str, reference: str, hint: str = "") -> ReproenvError:
    where = f"{path.name}: {key}: " if key else f"{path.name}: "
    context = {"file": str(path), **({"key": key} if key else {})}
    return bad_input(
        where + detail,
        reference,
        hint or "restore it from version control, or `pixi lock`",
        **context,
    )
