"""What else a driver runs when it cannot run what is locked: the driver to upgrade to, and the
builds of the locked GPU frameworks (jax, CuPy, RAPIDS, TensorFlow, torch) that run on it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from reproenv.compat.data_files import cuda_drivers_data, jax_data, tensorflow_data
from reproenv.compat.drivers import driver_runs, lowest_driver, min_driver
from reproenv.compat.torch_releases import bundles, torch_options
from reproenv.compat.versions import Cuda, parse_cuda
from reproenv.errors import ReproenvError, bad_input


def upgrade_to(cuda: Cuda) -> str:
    """The driver to upgrade to: the CUDA's own where the table has it, else its major's floor."""
    try:
        return min_driver(cuda)
    except ReproenvError:  # a CUDA minor newer than the table
        return lowest_driver(cuda)


def newer_torch_too_old(torch: str, cuda: Cuda, driver: str, why: str) -> ReproenvError:
    """A torch newer than the data whose bundled CUDA the driver cannot run: what it needs,
    and the spec lines that get a torch the driver runs."""
    release = ".".join(torch.split("+", 1)[0].split(".")[:2])
    options = [
        *torch_options(driver, below=release),
        f"upgrade the driver to ≥ {upgrade_to(cuda)}",
    ]
    return bad_input(
        f"{bundles(torch, cuda)}: {why}",
        "cuda-driver-too-old",
        ", ".join(options[:-1]) + f" or {options[-1]}" if len(options) > 1 else options[0],
        torch=torch,
        driver=driver,
        cuda=f"{cuda[0]}.{cuda[1]}",
    )


_FRAMEWORK_BUILDS = (  # the framework names in GpuNeed.frameworks -> their build for major {m}
    (re.compile(r"^jax \(jax-cuda\d+-plugin"), "jax[cuda{m}]"),
    (re.compile(r"^cupy-cuda\d+x? "), "cupy-cuda{m}x"),
    (re.compile(r"^(cudf|cuml|cugraph|cuspatial|rmm|raft-dask|pylibraft)-cu\d+ "), "{name}-cu{m}"),
)


def builds_driver_runs(frameworks: Sequence[str], driver: str) -> str:
    """`", or lock builds it runs: jax[cuda12]"`: the same frameworks (as `GpuNeed.frameworks`
    names them) for the newest CUDA major (or TensorFlow release) the driver runs; empty when
    there is none."""
    majors = sorted({f.cuda_major for f in cuda_drivers_data().minor_version_compatibility})
    runnable = [m for m in majors if driver_runs(driver, (m, 0))[0]]
    jax_majors = {e.cuda_major for e in jax_data().extras}
    builds: list[str] = []
    for framework in frameworks:
        name = framework.split(" ", 1)[0]
        offered = [m for m in runnable if name != "jax" or m in jax_majors]
        for pattern, build in _FRAMEWORK_BUILDS:
            matched = pattern.match(framework)
            if matched and offered:
                package = matched.group(1) if matched.groups() else name
                builds.append(build.format(m=offered[-1], name=package))
        if name in ("tensorflow", "tensorflow-gpu"):
            older = [
                r.tensorflow
                for r in tensorflow_data().releases
                if r.and_cuda_extra and driver_runs(driver, parse_cuda(r.cuda))[0]
            ]
            if older:
                builds.append(f"tensorflow[and-cuda]=={older[-1]}.*")
    return f", or lock builds it runs: {', '.join(builds)}" if builds else ""
