"""The host GPU probe against real captures from an H100 host (driver 580.159.04, CUDA 13.0).

The fakes stand at the probe's seams (the NVML module, the command runner, the /proc root) and
answer from the captured files, as the real tools answered on that host.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from reproenv.host.probe import probe_host
from reproenv.host.report import HostGpuReport, max_cuda_for_driver
from tests.fakes.gpu_host import (
    CAPTURES,
    FakeNvidiaSmi,
    FakeNvml,
    NoNvml,
    no_commands,
    no_docker,
)

H100 = "NVIDIA H100 80GB HBM3"
UUID = "GPU-00000000-1111-2222-3333-444444444444"  # the capture's placeholder
H100_MEMORY = 81559 * 1024 * 1024  # nvidia-smi's 81559 MiB; NVML gave the same bytes


def proc_with_captured_driver(root: Path) -> Path:
    version = root / "driver" / "nvidia" / "version"
    version.parent.mkdir(parents=True)
    shutil.copyfile(CAPTURES / "proc-driver.txt", version)
    return root


@pytest.fixture
def nvml_capture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CAPTURES / "pynvml.json").read_text())
    return data


def assert_h100(report: HostGpuReport, source: str) -> None:
    assert report.source == source
    assert report.driver_version == "580.159.04"
    assert report.max_cuda == (13, 0)
    assert len(report.gpus) == 1
    gpu = report.gpus[0]
    assert gpu.index == 0
    assert gpu.name == H100
    assert gpu.compute_capability == (9, 0)
    assert gpu.memory_bytes == H100_MEMORY


@pytest.mark.parametrize("as_bytes", [False, True])
def test_nvml(nvml_capture: dict[str, Any], tmp_path: Path, as_bytes: bool) -> None:
    nvml = FakeNvml(nvml_capture, as_bytes=as_bytes)
    smi = FakeNvidiaSmi()
    report = probe_host(
        nvml=nvml, run=smi, proc_root=proc_with_captured_driver(tmp_path), docker_info=no_docker
    )
    assert_h100(report, "nvml")
    assert report.gpus[0].uuid is None  # the NVML capture has no UUID; the fake refuses it
    assert report.docker_nvidia_runtime is None
    assert report.notes == ()
    assert smi.calls == []  # NVML answered: nvidia-smi was not needed
    assert not nvml.initialised  # shut down again


def test_nvidia_smi_xml_when_nvml_is_unavailable(tmp_path: Path) -> None:
    smi = FakeNvidiaSmi()
    report = probe_host(
        nvml=NoNvml(), run=smi, proc_root=proc_with_captured_driver(tmp_path), docker_info=no_docker
    )
    assert_h100(report, "nvidia-smi")
    assert report.gpus[0].uuid == UUID
    assert report.notes == ("NVML not used: NVML Shared Library Not Found",)


def test_xml_without_compute_capability_falls_back_to_the_csv_query(tmp_path: Path) -> None:
    smi = FakeNvidiaSmi()
    assert "cuda_compute_capability" not in smi.xml  # driver 580's XML lacks it
    report = probe_host(nvml=NoNvml(), run=smi, proc_root=tmp_path, docker_info=no_docker)
    assert report.gpus[0].compute_capability == (9, 0)
    assert smi.calls[1] == [
        "nvidia-smi",
        "--query-gpu=index,uuid,pci.bus_id,compute_cap",
        "--format=csv,noheader",
    ]


def test_compute_capability_in_the_xml_needs_no_query(tmp_path: Path) -> None:
    smi = FakeNvidiaSmi(query_csv=None)
    smi.xml = smi.xml.replace(
        "<product_name>", "<cuda_compute_capability>9.0</cuda_compute_capability><product_name>"
    )
    report = probe_host(nvml=NoNvml(), run=smi, proc_root=tmp_path, docker_info=no_docker)
    assert_h100(report, "nvidia-smi")
    assert not smi.ran("--query-gpu")


def test_gpu_without_any_compute_capability_is_left_out_with_a_note(tmp_path: Path) -> None:
    # a driver too old for the compute_cap query field
    report = probe_host(
        nvml=NoNvml(), run=FakeNvidiaSmi(query_csv=None), proc_root=tmp_path, docker_info=no_docker
    )
    assert report.source == "nvidia-smi"
    assert report.gpus == ()
    assert (report.driver_version, report.max_cuda) == ("580.159.04", (13, 0))
    assert f"GPU 0 ({H100}) left out: compute capability unknown" in report.notes


def test_proc_only(tmp_path: Path) -> None:
    report = probe_host(
        nvml=NoNvml(),
        run=no_commands,
        proc_root=proc_with_captured_driver(tmp_path),
        docker_info=no_docker,
    )
    assert report.source == "proc"
    assert report.gpus == ()
    assert report.driver_version == "580.159.04"
    assert report.max_cuda == (13, 0)  # from the driver branch table
    assert "nvidia-smi not found" in report.notes
    assert "max CUDA 13.0 taken from the driver branch table" in report.notes


def test_failing_nvidia_smi_and_bad_xml_fall_through_to_proc(tmp_path: Path) -> None:
    proc = proc_with_captured_driver(tmp_path)

    def no_devices(argv: Sequence[str]) -> CompletedProcess[str]:
        return CompletedProcess(list(argv), 6, "No devices were found\n", "")

    report = probe_host(nvml=NoNvml(), run=no_devices, proc_root=proc, docker_info=no_docker)
    assert report.source == "proc"
    assert "`nvidia-smi -q -x` exited 6: No devices were found" in report.notes

    truncated = FakeNvidiaSmi()
    truncated.xml = truncated.xml[: len(truncated.xml) // 2]
    report = probe_host(nvml=NoNvml(), run=truncated, proc_root=proc, docker_info=no_docker)
    assert report.source == "proc"
    assert any("does not parse" in note for note in report.notes)


def test_as_dict_is_json(nvml_capture: dict[str, Any], tmp_path: Path) -> None:
    report = probe_host(
        nvml=NoNvml(), run=FakeNvidiaSmi(), proc_root=tmp_path, docker_info=lambda: {"Runtimes": {}}
    )
    assert json.loads(json.dumps(report.as_dict())) == {
        "source": "nvidia-smi",
        "gpus": [
            {
                "index": 0,
                "name": H100,
                "compute_capability": "9.0",
                "memory_bytes": H100_MEMORY,
                "uuid": UUID,
            }
        ],
        "driver_version": "580.159.04",
        "max_cuda": "13.0",
        "docker_nvidia_runtime": False,
        "notes": list(report.notes),
    }
    for other in (
        probe_host(nvml=FakeNvml(nvml_capture), run=no_commands, docker_info=no_docker),
        probe_host(nvml=NoNvml(), run=no_commands, proc_root=tmp_path, docker_info=no_docker),
    ):
        assert json.loads(json.dumps(other.as_dict()))["source"] in {"nvml", "none"}


def test_a_host_without_gpu_reports_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # nvidia-ml-py is not installed
    # no pynvml, no nvidia-smi, no driver: as on a machine without a GPU
    report = probe_host(run=no_commands, proc_root=tmp_path, docker_info=no_docker)
    assert report.source == "none"
    assert report.gpus == ()
    assert report.driver_version is None
    assert report.max_cuda is None
    assert "NVML not used: nvidia-ml-py (pynvml) is not installed" in report.notes
    json.dumps(report.as_dict())


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        (
            {
                "Runtimes": {
                    "runc": {"path": "runc"},
                    "nvidia": {"path": "nvidia-container-runtime"},
                }
            },
            True,
        ),
        ({"Runtimes": {"runc": {"path": "runc"}}}, False),
        (
            {
                "Runtimes": {"runc": {"path": "runc"}},
                "DiscoveredDevices": [{"Source": "cdi", "ID": "nvidia.com/gpu=all"}],
            },
            True,
        ),
        (None, None),
    ],
)
def test_docker_runtime_from_docker_info(
    nvml_capture: dict[str, Any], info: dict[str, Any] | None, expected: bool | None
) -> None:
    report = probe_host(nvml=FakeNvml(nvml_capture), docker_info=lambda: info)
    assert report.docker_nvidia_runtime is expected
    # GPUs that containers cannot reach are worth a word
    assert any("NVIDIA Container Toolkit" in note for note in report.notes) is (expected is False)


def test_docker_runtime_through_the_command_runner(nvml_capture: dict[str, Any]) -> None:
    calls: list[list[str]] = []

    def docker(argv: Sequence[str]) -> CompletedProcess[str]:
        calls.append(list(argv))
        info = {"ServerVersion": "28.2.2", "Runtimes": {"nvidia": {}, "runc": {}}}
        return CompletedProcess(list(argv), 0, json.dumps(info) + "\n", "")

    report = probe_host(nvml=FakeNvml(nvml_capture), run=docker, docker="/opt/docker")
    assert report.docker_nvidia_runtime is True
    assert calls == [["/opt/docker", "info", "--format", "{{json .}}"]]

    def engine_down(argv: Sequence[str]) -> CompletedProcess[str]:
        return CompletedProcess(list(argv), 1, "", "Cannot connect to the Docker daemon\n")

    report = probe_host(nvml=FakeNvml(nvml_capture), run=engine_down)
    assert report.docker_nvidia_runtime is None
    assert report.source == "nvml"


@pytest.mark.parametrize(
    ("driver", "cuda"),
    [
        ("580.159.04", (13, 0)),
        ("575.51.03", (12, 9)),
        ("565.57.01", (12, 6)),  # between table rows: the lower row's CUDA
        ("535.104.05", (12, 2)),
        ("535.43.02", (12, 1)),  # early in the 535 branch: before CUDA 12.2's 535.54.03
        ("470.82.01", (11, 4)),
        ("450.80.02", (11, 0)),
        ("440.33.01", None),  # older than the table
        ("not-a-version", None),
    ],
)
def test_max_cuda_for_driver(driver: str, cuda: tuple[int, int] | None) -> None:
    assert max_cuda_for_driver(driver) == cuda
