"""The conda environment a build installs: the lock's records for one platform, the pinned
installer (py-rattler) that links them into the prefix without solving, the channel tokens
the build must hand in, and its activation: the environment files' `variables:` and the
entrypoint that runs the packages' etc/conda/activate.d scripts. Pure, like the rest of the plan."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reproenv.compat.conda_subdirs import SUBDIRS
from reproenv.compat.data_files import conda_data
from reproenv.errors import bad_input
from reproenv.lock.model import LOCK_FILE, Lock
from reproenv.spec.model import CondaVariable

CONDA_PREFIX = "/opt/conda-env"
# generated beside requirements.lock, read by the Dockerfile's conda stage
CONDA_RECORDS = "conda-records.json"
CONDA_INSTALLER_LOCK = "conda-installer.lock"
CONDA_INSTALL_SCRIPT = "conda-install.py"
CONDA_TOKENS_SECRET_ID = "reproenv-conda-tokens"  # noqa: S105 - a build secret's id
# written into the prefix by the install script: sources activate.d/*.sh, then runs the command
CONDA_ENTRYPOINT = "etc/conda/reproenv-entrypoint.sh"
# a channel token the lock keeps as `${VAR}`: https://host/t/${VAR}/channel
_TOKEN_VAR = re.compile(r"/t/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/")


@dataclass(frozen=True)
class CondaRecord:
    """One locked record, as the installer script reads it."""

    name: str
    version: str
    build: str
    subdir: str
    channel: str
    url: str  # as the lock has it, without a token: what conda-meta records
    sha256: str
    md5: str
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    size: int | None = None
    # where its channel takes a token: the URL with `/t/${VAR}/`, filled in from a secret
    download_url: str | None = None


@dataclass(frozen=True)
class InstallerPin:
    """A pinned distribution of the installer, with the hashes pip checks it against."""

    name: str
    version: str
    hashes: tuple[str, ...]  # sha256:...
    # the platform's wheel, (URL, sha256), where the lock keeps its URL: fetched without pip
    wheel: tuple[str, str] | None = None


@dataclass(frozen=True)
class CondaEnv:
    subdir: str  # the platform's conda subdir: the installer links for it
    records: tuple[CondaRecord, ...]
    installer: tuple[InstallerPin, ...]
    token_vars: tuple[str, ...] = ()  # the environment variables whose tokens the build needs
    index_url: str | None = None  # where the installer's wheels come from (None: PyPI)
    extra_index_urls: tuple[str, ...] = ()
    # where channels named without a URL live: the mirror replaces it at build time
    channel_alias: str = ""
    prefix: str = CONDA_PREFIX
    records_file: str = CONDA_RECORDS
    installer_lock: str = CONDA_INSTALLER_LOCK
    install_script: str = CONDA_INSTALL_SCRIPT
    tokens_secret_id: str = CONDA_TOKENS_SECRET_ID
    # NAME -> value, sorted by name: the image's ENV, as `conda activate` exports them
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def entrypoint(self) -> str:
        """The image's ENTRYPOINT: activates the environment for whatever command it runs."""
        return f"{self.prefix}/{CONDA_ENTRYPOINT}"

    @property
    def files(self) -> tuple[str, str, str]:
        """The generated files the conda stage reads from the build context."""
        return (self.records_file, self.installer_lock, self.install_script)


def conda_env(
    lock: Lock, platform: str, variables: tuple[CondaVariable, ...] = ()
) -> CondaEnv | None:
    """The lock's conda environment for `platform`; None when it has no conda records.
    `variables`: the spec's, from its environment files (the lock's input hash covers them)."""
    gated = _gated_channels(lock.conda_channels)
    records = tuple(
        CondaRecord(
            name=p.name,
            version=p.version,
            build=p.build,
            subdir=p.subdir,
            channel=p.channel,
            url=p.url,
            sha256=p.sha256,
            md5=p.md5,
            depends=p.depends,
            constrains=p.constrains,
            size=p.size,
            download_url=_download_url(p.url, p.channel, gated),
        )
        for p in sorted(lock.conda_packages, key=lambda p: (p.name, p.subdir, p.url))
        if platform in p.platforms
    )
    if not records:
        return None
    pins = tuple(
        InstallerPin(p.name, p.version, p.hashes)
        for p in sorted(lock.conda_installer, key=lambda p: (p.name, p.version))
        if platform in p.platforms
    )
    if not pins:
        raise _installer_missing(f" for {platform}")
    return CondaEnv(
        subdir=SUBDIRS[platform],
        records=records,
        installer=pins,
        token_vars=tuple(
            sorted({v for r in records for v in _TOKEN_VAR.findall(r.download_url or "")})
        ),
        index_url=lock.pip_index_url,
        channel_alias=conda_data().channel_alias.rstrip("/"),
        extra_index_urls=lock.pip_extra_index_urls,
        variables=tuple(sorted((v.name, v.value) for v in variables)),
    )


def _gated_channels(channels: tuple[str, ...]) -> dict[str, str]:
    """The lock's channels written with `/t/${VAR}/`, by the token-free URL its records carry."""
    return {
        _TOKEN_VAR.sub("/", channel).rstrip("/"): channel.rstrip("/")
        for channel in channels
        if _TOKEN_VAR.search(channel)
    }


def _download_url(url: str, channel: str, gated: dict[str, str]) -> str | None:
    templated = gated.get(channel.rstrip("/"))
    if templated is None or not url.startswith(channel.rstrip("/") + "/"):
        return None
    return templated + url[len(channel.rstrip("/")) :]


def check_conda_installable(lock: Lock) -> None:
    """A lock with conda records but no pinned installer (made before the lock pinned it)."""
    if lock.conda_packages and not lock.conda_installer:
        raise _installer_missing("")


def _installer_missing(where: str) -> Exception:
    return bad_input(
        f"{LOCK_FILE} holds conda packages but no pinned conda-installer{where}: the image's "
        "conda stage installs them with it",
        "conda-installer-missing",
        "relock with this reproenv to pin it: `reproenv lock --upgrade`, or delete "
        f"{LOCK_FILE} and run `reproenv lock`",
        file=LOCK_FILE,
        key="conda-installer",
    )
