"""What the image will offer the conda packages, for the solver's virtual packages: the base's
C library (`__glibc`) and the CUDA the target driver runs (`__cuda`), never the host's."""

from __future__ import annotations

import re

from reproenv.compat.drivers import driver_max_cuda
from reproenv.detect.conda import cuda_from_specs
from reproenv.lock.conda.solve import Target
from reproenv.spec.model import Spec

# the glibc of the distributions bases are built on, found by the reference's release name
_GLIBC = {
    "trixie": "2.41",
    "bookworm": "2.36",
    "bullseye": "2.31",
    "noble": "2.39",
    "jammy": "2.35",
    "focal": "2.31",
    "ubuntu24.04": "2.39",
    "ubuntu22.04": "2.35",
    "ubuntu20.04": "2.31",
    "debian13": "2.41",
    "debian12": "2.36",
    "debian11": "2.31",
    "ubi9": "2.34",
    "rockylinux9": "2.34",
    "ubi8": "2.28",
    "rockylinux8": "2.28",
}
# manylinux_2_28's floor, as for the pip wheels: a base this table does not know is assumed to
# be at least that recent
GLIBC_FLOOR = "2.28"


def base_glibc(reference: str) -> str:
    """The glibc of a base image, by the distribution its reference names."""
    # "ubuntu:22.04" and "cuda:12.4.1-runtime-ubuntu22.04" alike
    name = reference.rsplit("/", 1)[-1].lower()
    spellings = f"{name.replace(':', '-')} {name.replace(':', '')}"
    for release, glibc in _GLIBC.items():
        if re.search(rf"(?<![a-z0-9]){re.escape(release)}(?![a-z0-9])", spellings):
            return glibc
    return GLIBC_FLOOR


def target_cuda(spec: Spec) -> str | None:
    """`__cuda`: the newest CUDA the target driver runs, else the CUDA the spec or the
    environment file asks for; None for a CPU target."""
    if spec.gpu == "none":
        return None
    if spec.gpu_driver:
        newest = driver_max_cuda(spec.gpu_driver)
        if newest is not None:
            return f"{newest[0]}.{newest[1]}"
    if spec.cuda:
        return spec.cuda
    conda = spec.conda
    if conda is None or not conda.files:
        return None
    asked = cuda_from_specs(conda.files[0], [entry.text for entry in conda.specs]).cuda
    return f"{asked[0]}.{asked[1]}" if asked else None


def target(spec: Spec, platform: str, base: str | None = None) -> Target:
    return Target(platform, base_glibc(base or spec.base_image), target_cuda(spec))
