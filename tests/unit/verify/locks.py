"""A small two-platform lock for the verify tests: pip, apt and conda pins, one of each kind
pinned for one platform only."""

from __future__ import annotations

from reproenv.lock.model import (
    Lock,
    LockedAptPackage,
    LockedCondaPackage,
    LockedFile,
    LockedImage,
    LockedPipPackage,
)

AMD64, ARM64 = "linux/amd64", "linux/arm64"
BOTH = (AMD64, ARM64)
INDEX = "sha256:" + "1" * 64
AMD64_DIGEST, ARM64_DIGEST = "sha256:" + "a" * 64, "sha256:" + "b" * 64
BASE = "docker.io/library/python:3.11-slim-bookworm"
LOCK_HASH = "f" * 64


def pip(name: str, version: str, platforms: tuple[str, ...] = BOTH) -> LockedPipPackage:
    wheel = LockedFile(name=f"{name}-{version}-py3-none-any.whl", sha256="0" * 64)
    return LockedPipPackage(name=name, version=version, platforms=platforms, wheels=(wheel,))


def conda(name: str, version: str, build: str, sha: str = "c" * 64) -> LockedCondaPackage:
    return LockedCondaPackage(
        name=name, version=version, build=build, subdir="linux-64",
        channel="https://conda.example/forge", url=f"https://conda.example/{name}.conda",
        sha256=sha, md5="0" * 32, platforms=(AMD64,),
    )  # fmt: skip


def sample_lock(*, with_conda: bool = False) -> Lock:
    return Lock(
        reproenv_version="0.1.0",
        input_hash="sha256:" + "0" * 64,
        python="3.11",
        platforms=BOTH,
        resolver="uv 0.0.0",
        wheel_platforms=("x86_64-manylinux_2_28", "aarch64-manylinux_2_28"),
        images=(
            LockedImage(reference=BASE, platform=AMD64, digest=AMD64_DIGEST, index_digest=INDEX),
            LockedImage(reference=BASE, platform=ARM64, digest=ARM64_DIGEST, index_digest=INDEX),
        ),
        apt_requested=("tree",),
        apt_packages=(
            LockedAptPackage(name="tree", version="2.1.0-1", platforms=BOTH),
            LockedAptPackage(name="libamd", version="1.0", platforms=(AMD64,)),
        ),
        pip_packages=(
            pip("six", "1.16.0"),
            pip("Typing_Extensions", "4.12.2"),
            pip("amd-only", "1.0", (AMD64,)),
        ),
        conda_packages=(conda("python", "3.11.9", "h1_0"), conda("zlib", "1.3", "h2_0"))
        if with_conda
        else (),
    )
