"""The host collector, fed a fake /proc, os-release, engine and GPU probe."""

from __future__ import annotations

import platform
from pathlib import Path

from reproenv.engine import Builder, EngineInfo
from reproenv.runs.machine import collect_host
from tests.fakes.runs import NO_GPU, ONE_GPU

ENGINE = EngineInfo("/usr/bin/docker", "20.10.24", "20.10.25", Builder.BUILDKIT)


def proc(tmp_path: Path) -> Path:
    root = tmp_path / "proc"
    root.mkdir()
    (root / "cpuinfo").write_text(
        "processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\n\n"
        "processor\t: 1\nmodel name\t: AMD EPYC 9654 96-Core Processor\n"
    )
    (root / "meminfo").write_text("MemTotal:       131072000 kB\nMemFree: 1 kB\n")
    return root


def test_host_fields_come_from_their_sources(tmp_path: Path) -> None:
    host = collect_host(
        ENGINE, ONE_GPU, proc_root=proc(tmp_path), os_release=lambda: {"PRETTY_NAME": "Debian 12"}
    )
    assert (host.os, host.kernel, host.machine) == (
        "Debian 12",
        platform.release(),
        platform.machine(),
    )
    assert host.cpu_model == "AMD EPYC 9654 96-Core Processor"
    assert host.memory_bytes == 131072000 * 1024
    assert [(g.name, g.memory_bytes, g.compute_capability, g.uuid) for g in host.gpus] == [
        ("NVIDIA H200", 150_000_000_000, "9.0", "GPU-1234")
    ]
    assert (host.gpu_driver, host.cuda, host.gpu_source) == ("580.95.05", "13.0", "nvml")
    assert (host.engine.name, host.engine.client_version, host.engine.server_version) == (
        "docker", "20.10.24", "20.10.25",
    )  # fmt: skip


def test_a_host_without_gpus_or_proc_is_an_answer(tmp_path: Path) -> None:
    def no_release() -> dict[str, str]:
        raise OSError("none")

    host = collect_host(ENGINE, NO_GPU, proc_root=tmp_path / "absent", os_release=no_release)
    assert host.os == platform.system()
    assert (host.cpu_model, host.memory_bytes, host.gpus, host.gpu_driver, host.cuda) == (
        None, None, (), None, None,
    )  # fmt: skip
