"""What a lock says an image for one platform holds: the labels the build sets from it, the
pip pins (the venv is reproenv's: every distribution in it is the lock's), the apt pins (only
these: the base's own packages are not the lock's), and the conda records (the prefix is
reproenv's too). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reproenv.lock.model import Lock
from reproenv.plan.model import (
    BASE_DIGEST_LABEL,
    BASE_NAME_LABEL,
    GPU_LABEL,
    LOCK_HASH_LABEL,
    gpu_label,
    label_base_digest,
    locked_require_cuda,
)
from reproenv.spec.requirements import canonical_name

# what `python -m venv` seeds a venv with: there unless the image installs with uv (and the
# image's venv is made by it), never pinned, so no difference unless the lock pins them
VENV_SEED = frozenset({"pip", "setuptools"})


@dataclass(frozen=True)
class CondaPin:
    version: str
    build: str
    sha256: str

    def describe(self) -> str:
        return f"{self.version} {self.build}"


@dataclass(frozen=True)
class Expected:
    platform: str
    known_platform: bool  # the lock has this platform at all
    labels: Mapping[str, str] = field(default_factory=dict)
    pip: Mapping[str, str] = field(default_factory=dict)  # canonical name -> version
    apt: Mapping[str, str] = field(default_factory=dict)
    conda: Mapping[str, CondaPin] = field(default_factory=dict)


def expected_from_lock(lock: Lock, lock_hash: str, platform: str) -> Expected:
    """`lock_hash`: the lock file's own hash (`lock.model.lock_hash`), as its image's label
    and tag carry it. Packages pinned for other platforms only are not expected."""
    if platform not in lock.platforms:
        return Expected(platform, known_platform=False)
    image = lock.image_for(platform)
    return Expected(
        platform,
        known_platform=True,
        labels={
            LOCK_HASH_LABEL: lock_hash,
            BASE_NAME_LABEL: image.reference,
            BASE_DIGEST_LABEL: label_base_digest(lock, platform),
            GPU_LABEL: gpu_label(locked_require_cuda(lock)),
        },
        pip={
            canonical_name(p.name): p.version for p in lock.pip_packages if platform in p.platforms
        },
        apt={p.name: p.version for p in lock.apt_packages if platform in p.platforms},
        conda={
            p.name: CondaPin(p.version, p.build, p.sha256)
            for p in lock.conda_packages
            if platform in p.platforms
        },
    )
