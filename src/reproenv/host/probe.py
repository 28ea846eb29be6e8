"""Probe the host's NVIDIA GPUs and driver, for `reproenv doctor` and `gpu = "auto"` locking.

No network, and every way out to the machine (NVML, commands, `/proc`, docker) is a parameter,
so tests feed it real captures from a GPU host. A host without a GPU, a driver or the tools is
an ordinary answer (`source="none"`), never an error; whatever a richer source could not tell us
is said in `notes`.
"""

from __future__ import annotations

from pathlib import Path

from reproenv.host.commands import Run, run_command
from reproenv.host.docker_runtime import DockerInfo, docker_nvidia_runtime
from reproenv.host.nvidia_smi import probe_nvidia_smi
from reproenv.host.nvml import NvmlLike, probe_nvml
from reproenv.host.proc import probe_proc
from reproenv.host.report import Found, HostGpuReport


def probe_host(
    *,
    nvml: NvmlLike | None = None,
    run: Run | None = None,
    proc_root: Path = Path("/proc"),
    docker_info: DockerInfo | None = None,
    docker: str = "docker",
) -> HostGpuReport:
    """Ask NVML, else `nvidia-smi`, else `/proc`; each seam left as None means the real one.

    `nvml=None` imports `pynvml` lazily (it is not a dependency). `docker_info=None` runs
    `<docker> info` through `run`. Never raises for a missing GPU, driver or tool.
    """
    run = run or run_command
    notes: list[str] = []
    found = probe_nvml(nvml, notes)
    if found is None:
        found = probe_nvidia_smi(run, notes)
    if found is None:
        found = probe_proc(proc_root, notes)
    if found is None:
        found = Found("none")
    notes.extend(found.notes)
    runtime = docker_nvidia_runtime(docker_info, run, docker, notes)
    if found.gpus and runtime is False:
        notes.append(
            "docker has no NVIDIA runtime or CDI device: containers will not see the GPUs "
            "(install the NVIDIA Container Toolkit)"
        )
    return HostGpuReport(
        source=found.source,
        gpus=found.gpus,
        driver_version=found.driver_version,
        max_cuda=found.max_cuda,
        docker_nvidia_runtime=runtime,
        notes=tuple(notes),
    )
