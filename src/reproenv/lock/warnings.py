"""Every warning a lock carries, so `reproenv lock` says them all (not only --explain-gpu).

Most are derived from the lock itself (a source-only pin, apt pins without a snapshot) or the
project (an environment file that is not locked); the GPU decision keeps its own, and the lock
records only what it cannot derive again (`Lock.warnings`). Deriving keeps existing locks, and
the golden files, as they are.
"""

from __future__ import annotations

from reproenv.detect.conda import environment_file
from reproenv.lock.model import Lock
from reproenv.lock.pip.packages import source_only
from reproenv.spec.model import Spec


def lock_warnings(spec: Spec, lock: Lock) -> list[str]:
    gpu = list(lock.gpu.warnings) if lock.gpu else []
    found = [*gpu, *lock.warnings]
    for package in source_only(lock.pip_packages):
        sdist = package.sdist.name if package.sdist else "its sdist"
        found.append(
            f"{package.name} {package.version} has no wheel for Python {lock.python} on "
            f"{', '.join(package.platforms)}: it will be built from source ({sdist}) in the "
            "image, which needs its build tools there (a C compiler, for most); pin a version "
            "that ships wheels, or set pip.only-wheels = true to refuse such pins"
        )
    if lock.pip_exclude_newer and "used as it is" in lock.resolver:
        found.append(
            f"pip.exclude-newer = {lock.pip_exclude_newer!r} does not apply to pins taken as they "
            f"are ({', '.join(spec.requirements)}): they may be newer than that date"
        )
    if lock.apt_packages and not lock.apt_snapshot:
        found.append(
            f"{len(lock.apt_packages)} apt packages are pinned to the versions the distribution "
            "serves today, without apt.snapshot: once its archive moves on, a rebuild cannot "
            'install them; set apt.snapshot = "YYYYMMDDTHHMMSSZ" to install from a dated snapshot'
        )
    found_file = environment_file(spec.project_dir) if spec.conda is None else None
    environment = found_file.name if found_file else None
    # the GPU decision already says so when the file asks for CUDA
    if environment and not any(w.startswith(environment) for w in gpu):
        found.append(
            f"{environment} is not locked: the spec names no conda environment, so the image "
            f'gets the pip inputs only; add [conda] environment = ["{environment}"] to the spec '
            "to lock it"
        )
    return list(dict.fromkeys(found))
