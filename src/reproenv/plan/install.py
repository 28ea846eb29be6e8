"""How the image installs the pinned pip packages: the installer (uv, run from a builder
stage it never leaves, or pip) and the dependency layers, each installed from its own slice of
requirements.lock. Today there is one layer, whose slice is requirements.lock itself; grouping
the pins into several (the heaviest, most stable first) changes `dependency_layers` alone."""

from __future__ import annotations

from dataclasses import dataclass

from reproenv.errors import bad_input
from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK, Lock
from reproenv.plan.conda import InstallerPin
from reproenv.spec.model import Installer

# generated beside requirements.lock: the uv stage's pins, in pip's hash-checking format
IMAGE_INSTALLER_LOCK = "image-installer.lock"
UV_PREFIX = "/opt/reproenv-uv"  # uv's own venv, in the uv stage only
UV_MOUNT = "/tmp/reproenv/uv"  # noqa: S108 - where a step sees uv, mounted from that stage
UV_CACHE = "/root/.cache/uv"


@dataclass(frozen=True)
class DependencyLayer:
    """One image layer of pinned packages, installed with --no-deps from its own slice."""

    name: str
    requirements: str  # the slice: a generated file, relative to the project
    packages: tuple[str, ...]  # the pins' names, as requirements.lock spells them


@dataclass(frozen=True)
class ImageInstall:
    installer: Installer
    layers: tuple[DependencyLayer, ...]
    # uv's pins for the plan's platform (empty with pip), and where their lock is generated
    tool: tuple[InstallerPin, ...] = ()
    tool_lock: str = IMAGE_INSTALLER_LOCK
    index_url: str | None = None  # where uv's wheels come from (None: PyPI)
    extra_index_urls: tuple[str, ...] = ()

    @property
    def uses_uv(self) -> bool:
        return self.installer == "uv" and bool(self.tool)

    @property
    def files(self) -> tuple[str, ...]:
        """The generated files the build reads from the context, besides the Dockerfile."""
        tool = (self.tool_lock,) if self.uses_uv else ()
        return (*dict.fromkeys(layer.requirements for layer in self.layers), *tool)


PIP_INSTALL = ImageInstall("pip", ())  # a plan's default: today's pip path


def dependency_layers(lock: Lock, platform: str) -> tuple[DependencyLayer, ...]:
    """The platform's pins as layers: one today, requirements.lock whole."""
    names = tuple(sorted({p.name for p in lock.pip_packages if platform in p.platforms}))
    return (DependencyLayer("dependencies", REQUIREMENTS_LOCK, names),) if names else ()


def image_install(lock: Lock, platform: str, installer: Installer) -> ImageInstall:
    layers = dependency_layers(lock, platform)
    if installer == "pip" or not (layers or lock.local_projects):
        return ImageInstall(installer, layers)
    tool = tuple(
        InstallerPin(p.name, p.version, p.hashes)
        for p in sorted(lock.image_installer, key=lambda p: (p.name, p.version))
        if platform in p.platforms
    )
    if not tool:
        raise _image_installer_missing(platform)
    return ImageInstall(
        installer,
        layers,
        tool,
        index_url=lock.pip_index_url,
        extra_index_urls=lock.pip_extra_index_urls,
    )


def _image_installer_missing(platform: str) -> Exception:
    return bad_input(
        f"{LOCK_FILE} pins no image-installer (uv) for {platform}: the image installs its pip "
        "packages with it (image.installer is uv, the default)",
        "image-installer-missing",
        "relock with this reproenv to pin it: `reproenv lock` (without --frozen), or set "
        'image.installer = "pip" in the spec',
        file=LOCK_FILE,
        key="image-installer",
    )
