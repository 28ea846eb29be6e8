"""Whether the Docker engine can hand NVIDIA GPUs to containers: an nvidia runtime, or CDI
devices of the NVIDIA Container Toolkit, in `docker info`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from reproenv.host.commands import Run, call

DockerInfo = Callable[[], Mapping[str, Any] | None]


def docker_nvidia_runtime(
    docker_info: DockerInfo | None, run: Run, docker: str, notes: list[str]
) -> bool | None:
    info = docker_info() if docker_info is not None else _docker_info_via(run, docker, notes)
    if info is None:
        return None
    runtimes = info.get("Runtimes")
    if isinstance(runtimes, Mapping) and any(str(name).startswith("nvidia") for name in runtimes):
        return True
    # Docker 28.2+ reports CDI devices (the NVIDIA Container Toolkit's newer way) here
    devices = info.get("DiscoveredDevices")
    if isinstance(devices, list) and any(
        isinstance(device, Mapping)
        and device.get("Source") == "cdi"
        and str(device.get("ID", "")).startswith("nvidia.com/gpu")
        for device in devices
    ):
        return True
    return False if isinstance(runtimes, Mapping) else None


def _docker_info_via(run: Run, docker: str, notes: list[str]) -> Mapping[str, Any] | None:
    done = call(run, [docker, "info", "--format", "{{json .}}"], notes, quiet=True)
    if done is None:
        notes.append(
            f"no docker client or engine answered to {docker!r}: NVIDIA runtime not checked"
        )
        return None
    try:
        info = json.loads(done.stdout)
    except ValueError:
        notes.append("docker info gave no JSON: NVIDIA runtime not checked")
        return None
    if not isinstance(info, dict) or info.get("ServerErrors"):
        notes.append("docker engine did not answer: NVIDIA runtime not checked")
        return None
    return info
