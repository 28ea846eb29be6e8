"""The spec: `RawSpec` is the file as written (strict), `Spec` is it completed with defaults."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from reproenv.model_base import StrictModel
from reproenv.spec.devcontainer import DevcontainerSpec, RawDevcontainer

DEFAULT_PYTHON = "3.11"
DEFAULT_PLATFORM = "linux/amd64"
DEFAULT_USER = "app"
DEFAULT_WORKDIR = "/workspace"
SPEC_FILE = "reproenv.toml"

PythonVersion = Annotated[str, StringConstraints(pattern=r"^3\.\d{1,2}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$", max_length=128)]
Platform = Annotated[str, StringConstraints(pattern=r"^linux/(amd64|arm64)$")]
AptPackage = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.-]+$")]
UserName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_-]{0,31}$")]
EXCLUDE_NEWER_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$"
AbsolutePath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9._/-]*$")]
# inside the project folder: relative, and no part is `.` or `..`
_SEGMENT = r"\.?[A-Za-z0-9_-][A-Za-z0-9._-]*"
RelativeFile = Annotated[str, StringConstraints(pattern=rf"^{_SEGMENT}(/{_SEGMENT})*$")]
DEFAULT_DOCKERFILE = "Dockerfile"
# what installs requirements.lock in the image: uv (pinned in the lock, never in the image) or pip
Installer = Literal["uv", "pip"]
DEFAULT_INSTALLER: Installer = "uv"


class RawPip(StrictModel):
    requirements: list[str] = Field(default_factory=list)
    pyproject: bool = False  # lock [project].dependencies of pyproject.toml
    extras: list[Name] = Field(default_factory=list)  # its optional dependencies to include
    groups: list[Name] = Field(default_factory=list)  # its PEP 735 dependency groups
    # ${VAR}s are expanded when resolving, so credentials can stay in the environment
    index_url: str | None = Field(default=None, alias="index-url")
    extra_index_urls: list[str] = Field(default_factory=list, alias="extra-index-urls")
    # resolve as the index stood then (uv's --exclude-newer): a date or an RFC 3339 timestamp
    exclude_newer: Annotated[str, StringConstraints(pattern=EXCLUDE_NEWER_PATTERN)] | None = Field(
        default=None, alias="exclude-newer"
    )
    # refuse pins that would be built from source in the image
    only_wheels: bool = Field(default=False, alias="only-wheels")


class RawApt(StrictModel):
    packages: list[AptPackage] = Field(default_factory=list)
    # a dated snapshot of the distribution's archive (snapshot.debian.org, snapshot.ubuntu.com),
    # so a rebuild years later finds the same package versions
    snapshot: Annotated[str, StringConstraints(pattern=r"^\d{8}T\d{6}Z$")] | None = None


class RawImage(StrictModel):
    base: str | None = None
    registry_mirror: str | None = Field(default=None, alias="registry-mirror")
    user: UserName | None = None
    workdir: AbsolutePath | None = None
    # a `# syntax=` frontend makes BuildKit pull that image: off unless asked for
    dockerfile_syntax: str | None = Field(default=None, alias="dockerfile-syntax")
    # where `generate` writes the Dockerfile (and its ignore file) and `build` reads it, for a
    # project that keeps its own Dockerfile at the root; the build context stays the project
    dockerfile: RelativeFile | None = None
    installer: Installer | None = None


class RawConda(StrictModel):
    # environment files, merged in this order as conda-lock merges them
    environment: list[RelativeFile] = Field(default_factory=list)
    # replace the files' channels, in priority order (as `conda-lock -c` does)
    channels: list[str] = Field(default_factory=list)
    # strict: a package comes from the first channel that has it, as conda-forge recommends
    channel_priority: Literal["strict", "disabled"] = Field(
        default="strict", alias="channel-priority"
    )
    # a conda-lock.yml or pixi.lock used as it is, not solved again
    lockfile: RelativeFile | None = None
    # the pixi.lock environment to take
    environment_name: Name | None = Field(default=None, alias="lockfile-environment")


class RawRun(StrictModel):
    # files and folders inside the project whose content hashes every run record keeps
    # (checked by spec/run_paths.py, which names a bad one)
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)


# `[publish] repository`: host[:port]/path, the docker/distribution grammar without tag or digest
_REGISTRY_HOST = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?"
)
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_PATH = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
REPOSITORY_FORM = "host[:port]/org/name, for example ghcr.io/org/name or 127.0.0.1:5000/team/env"


def repository_problem(text: str) -> str | None:
    """Why `text` is not a repository to publish to (host[:port]/path), or None when it is."""
    host, slash, path = text.strip().partition("/")
    if "@" in text:
        return "a digest does not belong in it: publish reports the digest it pushed"
    if not slash or not path:
        return f"it names no registry host: write it as {REPOSITORY_FORM}"
    if not ("." in host or ":" in host or host == "localhost"):
        return f"it names no registry host ({host!r} is a path): write it as {REPOSITORY_FORM}"
    if not _REGISTRY_HOST.fullmatch(host):
        return f"{host!r} is not a registry host[:port]: write it as {REPOSITORY_FORM}"
    if ":" in path:
        return "a tag does not belong in it: tags come from the lock hash, git and --release"
    if not _REPOSITORY_PATH.fullmatch(path):
        return f"{path!r} is not a repository path (lowercase letters, digits, . _ - and /)"
    return None


class RawPublish(StrictModel):
    repository: str | None = None

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str | None) -> str | None:
        problem = None if value is None else repository_problem(value)
        if problem:
            raise ValueError(problem)
        return None if value is None else value.strip()


class RawSpec(StrictModel):
    """`reproenv.toml` (or `[tool.reproenv]`) exactly as a person wrote it."""

    name: Name | None = None
    python: PythonVersion | None = None
    platforms: list[Platform] | None = None
    command: list[str] | None = None
    gpu: Literal["auto", "cuda", "none"] = "auto"
    cuda: Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d$")] | None = None
    gpu_driver: Annotated[str, StringConstraints(pattern=r"^\d{3}(\.\d+){1,2}$")] | None = Field(
        default=None, alias="gpu-driver"
    )
    pip: RawPip = Field(default_factory=RawPip)
    apt: RawApt = Field(default_factory=RawApt)
    conda: RawConda | None = None
    image: RawImage = Field(default_factory=RawImage)
    run: RawRun = Field(default_factory=RawRun)
    publish: RawPublish = Field(default_factory=RawPublish)
    devcontainer: RawDevcontainer | None = None


class CondaEntry(StrictModel):
    """A match spec or a `pip:` line of an environment file, with where it was written."""

    text: str
    file: str  # relative to the project
    line: int  # 0: not written in the file, but derived from it (the spec's python)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class CondaVariable(StrictModel):
    """One of an environment file's `variables:` (conda's `conda env config vars`): set in the
    image as `conda activate` sets it. The value is never put in a message."""

    name: str
    value: str  # as conda renders the YAML scalar
    file: str  # relative to the project
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


class CondaSpec(StrictModel):
    """The conda side of a project: what to solve, from which channels, or a lock file to take."""

    files: tuple[str, ...] = ()  # the environment files, relative to the project
    channels: tuple[str, ...] = ()
    specs: tuple[CondaEntry, ...] = ()
    pip: tuple[CondaEntry, ...] = ()
    # merged across the files, a later file's value winning per name
    variables: tuple[CondaVariable, ...] = ()
    channel_priority: Literal["strict", "disabled"] = "strict"
    lockfile: str | None = None
    lockfile_environment: str | None = None


class Spec(BaseModel):
    """The completed spec every later step reads: no optional fields left to interpret."""

    # frozen only, not a StrictModel: reproenv builds it from a checked RawSpec, never from a file
    model_config = ConfigDict(frozen=True)

    project_dir: Path
    source: Path  # the file the spec came from, for messages
    name: str
    python: str
    platforms: tuple[str, ...]
    command: tuple[str, ...]
    requirements: tuple[str, ...]  # paths relative to project_dir
    pyproject_dependencies: tuple[str, ...]
    pyproject_extras: tuple[str, ...] = ()
    pyproject_groups: tuple[str, ...] = ()
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    exclude_newer: str | None = None  # as written in the spec
    only_wheels: bool = False
    apt_packages: tuple[str, ...]
    apt_snapshot: str | None = None
    base_image: str
    registry_mirror: str | None
    user: str
    workdir: str
    dockerfile_syntax: str | None = None
    dockerfile: str = DEFAULT_DOCKERFILE  # relative to project_dir
    installer: Installer = DEFAULT_INSTALLER
    pyproject: bool = False  # pip.pyproject: its project is installed when it has [build-system]
    gpu: str = "auto"
    cuda: str | None = None
    gpu_driver: str | None = None
    conda: CondaSpec | None = None  # None: not a conda project
    # [run]: relative POSIX paths, normalised, a folder without its trailing "/"
    run_inputs: tuple[str, ...] = ()
    run_outputs: tuple[str, ...] = ()
    publish_repository: str | None = None  # [publish] repository: host[:port]/path
    devcontainer: DevcontainerSpec | None = None  # None: no [devcontainer] table

    @property
    def base_is_default(self) -> bool:
        """No image.base in the spec: reproenv may choose another (a CUDA base) when needed."""
        return self.base_image == default_base_image(self.python)


def default_base_image(python: str) -> str:
    return f"python:{python}-slim-bookworm"


def project_name_from_dir(project_dir: Path) -> str:
    name = re.sub(r"[^a-z0-9._-]+", "-", project_dir.resolve().name.lower()).strip("._-")
    return name or "project"
