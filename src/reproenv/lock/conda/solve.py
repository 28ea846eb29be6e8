"""conda match specs solved in-process by py-rattler, for a target platform that is not the
host's: the virtual packages (`__glibc`, `__cuda`, `__linux`, `__archspec`) describe the image.

The records come back as `LockedCondaPackage`s: URL, sha256 and md5 of the file the image will
install, with any channel token taken out.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.compat.conda_subdirs import SUBDIRS, CondaSubdir
from reproenv.errors import bad_input, environment, redact
from reproenv.lock.model import LockedCondaPackage
from reproenv.spec.environment import match_spec_name
from reproenv.spec.envvars import expand_env
from reproenv.spec.model import CondaEntry, CondaSpec

if TYPE_CHECKING:
    from rattler import Gateway, GenericVirtualPackage, RepoDataRecord

_ARCHSPEC = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}
# the kernel the solver assumes: packages ask for `__linux >=3.10` at most; the host's kernel
# runs the container, so the image cannot know it
LINUX = "4.18"
# a channel token in the URL's path, as conda's default host takes it: <alias>/t/<token>/channel;
# a `${VAR}` in its place is no secret and is kept, so the build can fill it in again
_TOKEN = re.compile(r"/t/(?!\$\{[A-Za-z_][A-Za-z0-9_]*\}/)[^/]+(?=/)")


@dataclass(frozen=True)
class Target:
    """What the image offers the packages: its platform, its C library, the driver's CUDA."""

    platform: str
    glibc: str
    cuda: str | None = None  # the newest CUDA the target driver runs; None: no GPU

    @property
    def subdir(self) -> CondaSubdir:
        return SUBDIRS[self.platform]

    def virtual_packages(self) -> list[GenericVirtualPackage]:
        from rattler import BuildString, GenericVirtualPackage, PackageName, Version

        found = {
            "__unix": ("0", "0"),
            "__linux": (LINUX, "0"),
            "__glibc": (self.glibc, "0"),
            "__archspec": ("1", _ARCHSPEC[self.platform]),
        }
        if self.cuda is not None:
            found["__cuda"] = (self.cuda, "0")
        return [
            GenericVirtualPackage(PackageName(name), Version(version), BuildString(build))
            for name, (version, build) in found.items()
        ]


def channel_alias() -> str:
    """Where conda reads a channel given by name, and what the lock records for it (a data
    file's fact, like the torch index: no host name in code)."""
    from reproenv.compat.data_files import conda_data

    return conda_data().channel_alias.rstrip("/")


def channel_url(channel: str, mirror: str | None) -> str:
    """A channel as the solver reads it: a name through the mirror (else conda's alias)."""
    expanded = expand_env(channel)
    if "://" in expanded:
        return expanded
    return f"{(mirror or channel_alias()).rstrip('/')}/{expanded.strip('/')}"


def upstream(url: str, mirror: str | None) -> str:
    """A URL read through the mirror, as the lock keeps it: the upstream one, without token."""
    clean = without_token(url)
    if mirror:
        prefix = without_token(expand_env(mirror)).rstrip("/") + "/"
        if clean.startswith(prefix):
            return f"{channel_alias()}/{clean[len(prefix) :]}"
    return clean


def without_token(url: str) -> str:
    """A channel or package URL as the lock keeps it: no token, no user:password."""
    return redact(_TOKEN.sub("", url), mask="")


def solve(
    conda: CondaSpec,
    specs: Sequence[CondaEntry],
    target: Target,
    *,
    keep: Sequence[LockedCondaPackage] = (),
    cache_dir: Path | None = None,
    mirror: str | None = None,
) -> tuple[LockedCondaPackage, ...]:
    """The records to install for `target`; those of `keep` are preferred while they fit."""
    return asyncio.run(_solve(conda, specs, target, keep, cache_dir, mirror))


async def _solve(
    conda: CondaSpec,
    specs: Sequence[CondaEntry],
    target: Target,
    keep: Sequence[LockedCondaPackage],
    cache_dir: Path | None,
    mirror: str | None,
) -> tuple[LockedCondaPackage, ...]:
    import rattler
    from rattler.exceptions import SolverError

    from reproenv.lock.conda.rattler_errors import FETCH_ERRORS as _FETCH_ERRORS

    _check_specs(specs)
    channels = [channel_url(channel, mirror) for channel in conda.channels]
    gateway = rattler.Gateway(cache_dir=cache_dir) if cache_dir else rattler.Gateway()
    platforms: list[CondaSubdir] = [target.subdir, "noarch"]
    try:
        locked = await _kept_records(gateway, channels, platforms, keep, mirror)
        records = await rattler.solve(
            channels,
            [entry.text for entry in specs],
            gateway=gateway,
            platforms=platforms,
            locked_packages=locked,
            virtual_packages=target.virtual_packages(),
            channel_priority=(
                rattler.ChannelPriority.Strict
                if conda.channel_priority == "strict"
                else rattler.ChannelPriority.Disabled
            ),
        )
    except SolverError as error:
        raise _unsatisfiable(specs, target, str(error)) from None
    except _FETCH_ERRORS as error:
        raise environment(
            f"the conda channels could not be read for {target.subdir}: "
            f"{redact(_TOKEN.sub('/t/***', str(error)))}",
            "conda-channel-unreachable",
            "check the channel URLs in the environment file or conda.channels and the network; "
            "set REPROENV_CONDA_MIRROR to read channels named without a URL from a mirror",
        ) from None
    return tuple(
        sorted((_locked(r, target.platform, mirror) for r in records), key=lambda p: p.name)
    )


async def _kept_records(
    gateway: Gateway,
    channels: list[str],
    platforms: list[CondaSubdir],
    keep: Sequence[LockedCondaPackage],
    mirror: str | None,
) -> list[RepoDataRecord]:
    """The channels' records of the previous lock's files: the solver keeps them if it can."""
    if not keep:
        return []
    wanted = {package.url for package in keep}
    found = await gateway.query(channels, platforms, [p.name for p in keep], recursive=False)
    return [r for records in found for r in records if upstream(r.url, mirror) in wanted]


def _locked(record: RepoDataRecord, platform: str, mirror: str | None) -> LockedCondaPackage:
    if record.sha256 is None or record.md5 is None:
        raise bad_input(
            f"the channel lists {record.file_name} without a sha256 or md5",
            "conda-record-unhashed",
            "use a channel whose repodata.json has both hashes (`rattler index` writes them)",
        )
    return LockedCondaPackage(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        subdir=record.subdir,
        channel=upstream(str(record.channel), mirror).rstrip("/"),
        url=upstream(record.url, mirror),
        sha256=record.sha256.hex(),
        md5=record.md5.hex(),
        platforms=(platform,),
        depends=tuple(record.depends),
        constrains=tuple(record.constrains),
        size=record.size,
    )


def _asking(specs: Sequence[CondaEntry], explanation: str) -> list[CondaEntry]:
    """The specs whose package the solver's explanation names."""
    named = []
    for entry in specs:
        name = match_spec_name(entry.text)
        if name and re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", explanation):
            named.append(entry)
    return named


def _unsatisfiable(specs: Sequence[CondaEntry], target: Target, message: str) -> Exception:
    explanation = redact(message.strip())
    asking = _asking(specs, explanation) or list(specs)
    where = ", ".join(f"{entry.where}: {entry.text}" for entry in asking)
    first = asking[0] if asking else None
    context = {"file": first.file, "line": str(first.line)} if first else {}
    return bad_input(
        f"the conda specs cannot be met for {target.subdir} ({where}):\n{explanation}",
        "conda-unsatisfiable",
        "relax or remove the named specs, or add a channel that has them",
        **context,
    )


def _check_specs(specs: Sequence[CondaEntry]) -> None:
    """Each match spec parsed on its own first, so a mistake names its file and line."""
    from rattler import MatchSpec

    from reproenv.lock.conda.rattler_errors import SPEC_ERRORS

    for entry in specs:
        try:
            MatchSpec(entry.text)
        except SPEC_ERRORS as error:
            raise bad_input(
                f"{entry.where}: {entry.text!r} is not a conda match spec: {redact(str(error))}",
                "conda-spec-invalid",
                "write `name`, `name >=1.2`, `name=1.2.3=build` or `channel::name`",
                file=entry.file,
                line=str(entry.line),
            ) from None
