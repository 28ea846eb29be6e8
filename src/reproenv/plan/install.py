"""How the image installs the pinned pip packages: the installer (uv, run from a builder
stage it never leaves, or pip) and the dependency layers, each installed from its own slice of
the lock: the groups of plan/layers.py, heaviest and most stable first. A lock with one group
installs requirements.lock itself; with several, each layer's slice is a generated file in
LAYERS_DIR. pip installs requirements.lock whole, in one layer, as it always did."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reproenv.errors import bad_input
from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK, Lock, LockedFeature, LockedPipPackage
from reproenv.plan.conda import InstallerPin
from reproenv.plan.layers import group_by_weight
from reproenv.spec.devcontainer import DevcontainerSpec
from reproenv.spec.model import Installer
from reproenv.spec.requirements import canonical_name

# generated beside requirements.lock: the uv stage's pins, in pip's hash-checking format
IMAGE_INSTALLER_LOCK = "image-installer.lock"
UV_FETCH = "image-installer.py"  # fetches uv's wheel, checks its sha256, unpacks the executable
UV_PREFIX = "/opt/reproenv-uv"  # uv's own venv, in the uv stage only
UV_MOUNT = "/tmp/reproenv/uv"  # noqa: S108 - where a step sees uv, mounted from that stage
UV_CACHE = "/root/.cache/uv"
LAYERS_DIR = ".reproenv/layers"  # the slices of a lock installed in several layers
DEV_LOCK = f"{LAYERS_DIR}/dev.lock"  # the dev stage's pins (the lock's dev-packages)


@dataclass(frozen=True)
class DependencyLayer:
    """One image layer of pinned packages, installed with --no-deps from its own slice."""

    name: str
    requirements: str  # the slice: a generated file, relative to the project
    packages: tuple[str, ...]  # the pins' names, as requirements.lock spells them
    # the slice's pins, rendered into `requirements` (none: it is requirements.lock itself)
    pins: tuple[LockedPipPackage, ...] = ()
    reason: str = ""  # why it is a layer of its own (`generate --explain`)
    size: int = 0  # bytes of the files the platform installs, as far as the lock knows them
    unknown_sizes: int = 0  # how many of its packages the lock has no size for


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
    def uv_wheel(self) -> tuple[str, str] | None:
        """uv's wheel (URL, sha256) when the uv stage can fetch it without pip: the lock
        keeps its URL (locks from before it did install uv with pip)."""
        if not self.uses_uv or len(self.tool) != 1:
            return None
        return self.tool[0].wheel

    @property
    def files(self) -> tuple[str, ...]:
        """The generated files the build reads from the context, besides the Dockerfile."""
        tool = (self.tool_lock, UV_FETCH) if self.uses_uv else ()
        return (*dict.fromkeys(layer.requirements for layer in self.layers), *tool)


PIP_INSTALL = ImageInstall("pip", ())  # a plan's default: today's pip path


@dataclass(frozen=True)
class DevStage:
    """The Dockerfile's `dev` stage, which the devcontainer builds: the runtime stage with the
    dev group's pins for the platform on top (none: the runtime image under another name)."""

    pins: tuple[LockedPipPackage, ...] = ()
    requirements: str = DEV_LOCK
    index_url: str | None = None  # the lock's indexes, as for the runtime pins
    extra_index_urls: tuple[str, ...] = ()
    # the spec's Features with their options, and the lock's pins of them
    features: tuple[tuple[str, tuple[tuple[str, str | bool], ...]], ...] = ()
    feature_pins: tuple[LockedFeature, ...] = ()


def dev_stage(lock: Lock, platform: str, wanted: DevcontainerSpec | None) -> DevStage | None:
    """`wanted`: the spec's [devcontainer] table, unless it is switched off."""
    if wanted is None or not wanted.enabled:
        return None
    pins = tuple(
        p.model_copy(update={"platforms": (platform,)})
        for p in lock.dev_packages
        if platform in p.platforms
    )
    return DevStage(
        pins,
        DEV_LOCK,
        lock.pip_index_url,
        lock.pip_extra_index_urls,
        wanted.features,
        lock.devcontainer_features,
    )


def dependency_layers(
    lock: Lock, platform: str, installer: Installer = "uv"
) -> tuple[DependencyLayer, ...]:
    """The platform's pins as layers, in install order."""
    pins = [p for p in lock.pip_packages if platform in p.platforms]
    names = tuple(sorted({p.name for p in pins}))
    groups = group_by_weight(pins, lock.python, platform) if installer == "uv" else ()
    if not names:
        return ()
    if len(groups) <= 1:
        if not groups:  # pip installs the lock whole
            return (DependencyLayer("dependencies", REQUIREMENTS_LOCK, names),)
        (group,) = groups
        single = DependencyLayer(group.name, REQUIREMENTS_LOCK, names, (), group.reason)
        return (replace(single, size=group.size, unknown_sizes=group.unknown_sizes),)
    layers = []
    for number, group in enumerate(groups, 1):
        members = set(group.packages)
        # the platform's own pins: its slice needs no platform markers
        chosen = tuple(
            p.model_copy(update={"platforms": (platform,)})
            for p in pins
            if canonical_name(p.name) in members
        )
        slug = re.sub(r"[^a-z0-9]+", "-", group.name.lower()).strip("-")
        layers.append(
            DependencyLayer(
                group.name,
                f"{LAYERS_DIR}/{number:02d}-{slug}.lock",
                tuple(sorted({p.name for p in chosen})),
                chosen,
                group.reason,
                group.size,
                group.unknown_sizes,
            )
        )
    return tuple(layers)


def image_install(lock: Lock, platform: str, installer: Installer) -> ImageInstall:
    layers = dependency_layers(lock, platform, installer)
    if installer == "pip" or not (layers or lock.local_projects):
        return ImageInstall(installer, layers)
    tool = tuple(
        InstallerPin(p.name, p.version, p.hashes, _wheel(p, lock.python, platform))
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


def _wheel(pin: LockedPipPackage, python: str, platform: str) -> tuple[str, str] | None:
    """The wheel of `pin` the platform installs, by URL and sha256, when the lock has its URL."""
    from reproenv.lock.pip.pylock import preferred_wheel

    wheels = {wheel.name: wheel for wheel in pin.wheels}
    chosen = preferred_wheel(wheels, python, platform)
    found = wheels.get(chosen) if chosen else None
    return (found.url, found.sha256) if found is not None and found.url else None


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
