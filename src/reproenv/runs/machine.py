"""The host a run ran on: OS and kernel, CPU, memory, GPUs (host/probe.py) and the engine."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from pathlib import Path

from reproenv.engine import EngineInfo
from reproenv.host.report import HostGpuReport, dotted
from reproenv.runs.model import EngineState, GpuState, HostState


def os_name(os_release: Callable[[], dict[str, str]] = platform.freedesktop_os_release) -> str:
    try:
        release = os_release()
    except OSError:
        return platform.system()
    return release.get("PRETTY_NAME") or release.get("NAME") or platform.system()


def cpu_model(proc_root: Path = Path("/proc")) -> str | None:
    try:
        text = (proc_root / "cpuinfo").read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        # x86 says "model name"; some ARM kernels only "Hardware" or "Processor"
        if sep and key.strip() in ("model name", "Hardware", "Processor", "cpu model"):
            return value.strip() or None
    return None


def memory_bytes(proc_root: Path = Path("/proc")) -> int | None:
    try:
        text = (proc_root / "meminfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            return int(parts[1]) * 1024 if len(parts) > 1 and parts[1].isdigit() else None
    return None


def gpu_states(report: HostGpuReport) -> tuple[GpuState, ...]:
    return tuple(
        GpuState(
            index=gpu.index,
            name=gpu.name,
            memory_bytes=gpu.memory_bytes,
            compute_capability=dotted(gpu.compute_capability),
            uuid=gpu.uuid,
        )
        for gpu in report.gpus
    )


def collect_host(
    engine: EngineInfo,
    gpus: HostGpuReport,
    *,
    proc_root: Path = Path("/proc"),
    os_release: Callable[[], dict[str, str]] = platform.freedesktop_os_release,
) -> HostState:
    return HostState(
        os=os_name(os_release),
        kernel=platform.release(),
        machine=platform.machine(),
        cpu_model=cpu_model(proc_root),
        cpu_cores=os.cpu_count(),
        memory_bytes=memory_bytes(proc_root),
        gpus=gpu_states(gpus),
        gpu_driver=gpus.driver_version,
        cuda=dotted(gpus.max_cuda) if gpus.max_cuda else None,
        gpu_source=gpus.source,
        engine=EngineState(
            name=Path(engine.executable).name,
            client_version=engine.client_version,
            server_version=engine.server_version,
        ),
    )
