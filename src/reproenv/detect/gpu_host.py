"""Probe the host's NVIDIA GPUs and driver, for `reproenv doctor` and `gpu = "auto"` locking.

Pure in the `detect/` sense: no network, and every way out to the machine (NVML, commands,
`/proc`, docker) is a parameter, so tests feed it real captures from a GPU host. A host without a
GPU, a driver or the tools is an ordinary answer (`source="none"`), never an error; whatever a
richer source could not tell us is said in `notes`.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any, Protocol, TypeVar, cast

from reproenv.errors import ReproenvError

Run = Callable[[Sequence[str]], CompletedProcess[str]]
DockerInfo = Callable[[], Mapping[str, Any] | None]
T = TypeVar("T")

# nvidia-smi can hang for tens of seconds on a wedged driver; doctor must still answer
COMMAND_TIMEOUT_S = 30.0

# the columns asked of `nvidia-smi --query-gpu` when the XML lacks the compute capability
_QUERY_FIELDS = ("index", "uuid", "pci.bus_id", "compute_cap")
_DRIVER_IN_PROC = re.compile(r"NVRM version:.*?\s(\d+\.\d+(?:\.\d+)?)\s")
_MEMORY = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB|TiB)\s*$")
_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_NOT_AVAILABLE = {"", "N/A", "[N/A]", "Not Supported", "[Not Supported]"}


class NvmlMemory(Protocol):
    @property
    def total(self) -> int: ...


class NvmlLike(Protocol):
    """The part of `pynvml` (package nvidia-ml-py) this probe calls; fakes implement the same."""

    @property  # read-only, so a fake's own exception class fits
    def NVMLError(self) -> type[Exception]: ...

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    # older nvidia-ml-py releases return bytes, newer ones str
    def nvmlSystemGetDriverVersion(self) -> str | bytes: ...
    def nvmlSystemGetCudaDriverVersion(self) -> int: ...
    def nvmlDeviceGetCount(self) -> int: ...
    # a handle is an opaque ctypes pointer
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...
    def nvmlDeviceGetName(self, handle: Any) -> str | bytes: ...
    def nvmlDeviceGetCudaComputeCapability(self, handle: Any) -> tuple[int, int]: ...
    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> NvmlMemory: ...
    def nvmlDeviceGetUUID(self, handle: Any) -> str | bytes: ...


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    compute_capability: tuple[int, int]
    memory_bytes: int | None
    uuid: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "name": self.name,
            "compute_capability": _dotted(self.compute_capability),
            "memory_bytes": self.memory_bytes,
            "uuid": self.uuid,
        }


@dataclass(frozen=True)
class HostGpuReport:
    source: str  # "nvml" | "nvidia-smi" | "proc" | "none"
    gpus: tuple[Gpu, ...]
    driver_version: str | None  # "580.159.04"
    max_cuda: tuple[int, int] | None  # highest CUDA the driver supports, e.g. (13, 0)
    docker_nvidia_runtime: bool | None  # None when not checked (no docker, no engine)
    notes: tuple[str, ...] = ()  # why a richer source was not used, what is missing

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly (versions as "13.0" strings), for `reproenv doctor --json`."""
        return {
            "source": self.source,
            "gpus": [gpu.as_dict() for gpu in self.gpus],
            "driver_version": self.driver_version,
            "max_cuda": _dotted(self.max_cuda) if self.max_cuda else None,
            "docker_nvidia_runtime": self.docker_nvidia_runtime,
            "notes": list(self.notes),
        }


@dataclass
class _Found:
    """What one source found, before the docker check is added."""

    source: str
    gpus: tuple[Gpu, ...] = ()
    driver_version: str | None = None
    max_cuda: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)


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
    run = run or _run
    notes: list[str] = []
    found = _probe_nvml(nvml, notes)
    if found is None:
        found = _probe_nvidia_smi(run, notes)
    if found is None:
        found = _probe_proc(proc_root, notes)
    if found is None:
        found = _Found("none")
    notes.extend(found.notes)
    runtime = _docker_nvidia_runtime(docker_info, run, docker, notes)
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


def max_cuda_for_driver(driver_version: str) -> tuple[int, int] | None:
    """The highest CUDA a driver runs natively, from data/cuda_drivers.json; used only when the
    driver itself (NVML, nvidia-smi) could not say."""
    from reproenv.detect.cuda import driver_max_cuda  # pydantic: only when needed

    try:
        return driver_max_cuda(driver_version)
    except ReproenvError:  # not a driver version
        return None


# --- NVML ---------------------------------------------------------------------------------------


def _probe_nvml(nvml: NvmlLike | None, notes: list[str]) -> _Found | None:
    if nvml is None:
        try:
            # lazily: nvidia-ml-py is optional, and loading it costs time on hosts without GPUs
            nvml = cast(NvmlLike, importlib.import_module("pynvml"))
        except ImportError:
            notes.append("NVML not used: nvidia-ml-py (pynvml) is not installed")
            return None
    try:
        nvml.nvmlInit()
    except (nvml.NVMLError, OSError) as error:
        # the usual case on a host without the driver: libnvidia-ml.so is not found
        notes.append(f"NVML not used: {_describe(error)}")
        return None
    try:
        return _read_nvml(nvml)
    except (nvml.NVMLError, OSError, ValueError, TypeError) as error:
        notes.append(f"NVML not used: {_describe(error)}")
        return None
    finally:
        # nothing to undo if shutting down fails
        with contextlib.suppress(nvml.NVMLError, OSError):
            nvml.nvmlShutdown()


def _read_nvml(nvml: NvmlLike) -> _Found:
    found = _Found("nvml", driver_version=_text(nvml.nvmlSystemGetDriverVersion()))
    try:
        found.max_cuda = _cuda_from_int(nvml.nvmlSystemGetCudaDriverVersion())
    except nvml.NVMLError as error:
        found.max_cuda = _max_cuda_from_table(found.driver_version, found.notes)
        found.notes.append(f"NVML gave no CUDA driver version: {_describe(error)}")
    gpus = []
    for index in range(nvml.nvmlDeviceGetCount()):
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        major, minor = nvml.nvmlDeviceGetCudaComputeCapability(handle)
        memory = _nvml_optional(nvml, lambda h: int(nvml.nvmlDeviceGetMemoryInfo(h).total), handle)
        uuid = _nvml_optional(nvml, lambda h: _text(nvml.nvmlDeviceGetUUID(h)), handle)
        name = _text(nvml.nvmlDeviceGetName(handle))
        gpus.append(Gpu(index, name, (int(major), int(minor)), memory, uuid))
    found.gpus = tuple(gpus)
    return found


def _nvml_optional(nvml: NvmlLike, read: Callable[[Any], T], handle: Any) -> T | None:
    # memory and UUID are nice to have; some vGPU/MIG setups refuse them
    try:
        return read(handle)
    except nvml.NVMLError:
        return None


def _cuda_from_int(version: int) -> tuple[int, int]:
    # NVML encodes CUDA 13.0 as 13000 and 12.8 as 12080 (1000 * major + 10 * minor)
    return version // 1000, (version % 1000) // 10


# --- nvidia-smi ---------------------------------------------------------------------------------


def _probe_nvidia_smi(run: Run, notes: list[str]) -> _Found | None:
    done = _call(run, ["nvidia-smi", "-q", "-x"], notes)
    if done is None:
        return None
    try:
        # trusted input: the local nvidia-smi's output; expat does not fetch the external DTD
        root = ET.fromstring(done.stdout)  # noqa: S314
    except ET.ParseError as error:
        notes.append(f"nvidia-smi -q -x gave XML that does not parse ({error})")
        return None
    found = _Found("nvidia-smi", driver_version=_element_text(root, "driver_version"))
    cuda = _element_text(root, "cuda_version")
    found.max_cuda = _parse_major_minor(cuda) if cuda else None
    if found.max_cuda is None:
        found.max_cuda = _max_cuda_from_table(found.driver_version, found.notes)
    rows = list(root.iter("gpu"))
    capabilities: dict[str, tuple[int, int]] = {}
    if any(_element_text(row, "cuda_compute_capability") is None for row in rows):
        # drivers up to at least 580 leave it out of the XML; the query field has it (510+)
        capabilities = _query_compute_caps(run, found.notes)
    gpus = []
    for index, row in enumerate(rows):
        name = _element_text(row, "product_name") or "unknown NVIDIA GPU"
        uuid = _element_text(row, "uuid")
        bus_id = row.get("id") or _element_text(row, "pci/pci_bus_id")
        capability = _parse_major_minor(_element_text(row, "cuda_compute_capability") or "")
        capability = capability or _first_of(capabilities, uuid, bus_id, str(index))
        if capability is None:
            found.notes.append(f"GPU {index} ({name}) left out: compute capability unknown")
            continue
        memory = _parse_memory(_element_text(row, "fb_memory_usage/total"))
        gpus.append(Gpu(index, name, capability, memory, uuid))
    found.gpus = tuple(gpus)
    return found


def _query_compute_caps(run: Run, notes: list[str]) -> dict[str, tuple[int, int]]:
    """Compute capability by UUID, PCI bus id and index (whichever the XML row can match)."""
    argv = ["nvidia-smi", f"--query-gpu={','.join(_QUERY_FIELDS)}", "--format=csv,noheader"]
    done = _call(run, argv, notes)
    if done is None:
        return {}
    found: dict[str, tuple[int, int]] = {}
    for row in csv.reader(done.stdout.splitlines(), skipinitialspace=True):
        if len(row) != len(_QUERY_FIELDS) or not row[0].strip().isdigit():
            continue  # a header line, or an error message instead of data
        index, uuid, bus_id, cap = (value.strip() for value in row)
        capability = _parse_major_minor(cap)
        if capability is not None:
            for key in (uuid, bus_id.upper(), index):
                found[key] = capability
    return found


def _first_of(table: Mapping[str, tuple[int, int]], *keys: str | None) -> tuple[int, int] | None:
    for key in keys:
        if key and key not in _NOT_AVAILABLE:
            value = table.get(key) or table.get(key.upper())
            if value:
                return value
    return None


def _element_text(element: ET.Element, path: str) -> str | None:
    child = element.find(path)
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return None if text in _NOT_AVAILABLE else text


def _parse_memory(text: str | None) -> int | None:
    match = _MEMORY.match(text or "")
    return int(match[1]) * _UNITS[match[2]] if match else None


# --- /proc --------------------------------------------------------------------------------------


def _probe_proc(proc_root: Path, notes: list[str]) -> _Found | None:
    version_file = proc_root / "driver" / "nvidia" / "version"
    try:
        text = version_file.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        notes.append(f"no NVIDIA kernel driver loaded ({version_file} does not exist)")
        return None
    except OSError as error:
        notes.append(f"cannot read {version_file}: {_describe(error)}")
        return None
    match = _DRIVER_IN_PROC.search(text)
    if match is None:
        notes.append(f"{version_file} names no driver version")
        return None
    found = _Found("proc", driver_version=match[1])
    found.max_cuda = _max_cuda_from_table(found.driver_version, found.notes)
    # /proc names the GPUs but not their compute capability, so none are listed
    gpus_dir = proc_root / "driver" / "nvidia" / "gpus"
    try:
        listed = f"{sum(1 for _ in gpus_dir.iterdir())} GPU(s) under {gpus_dir}, "
    except OSError:
        listed = ""
    found.notes.append(
        f"driver only, from {version_file}: {listed}compute capability unknown without NVML "
        "or nvidia-smi"
    )
    return found


# --- docker -------------------------------------------------------------------------------------


def _docker_nvidia_runtime(
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
    done = _call(run, [docker, "info", "--format", "{{json .}}"], notes, quiet=True)
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


# --- shared -------------------------------------------------------------------------------------


def _run(argv: Sequence[str]) -> CompletedProcess[str]:
    return subprocess.run(
        list(argv), capture_output=True, text=True, check=False, timeout=COMMAND_TIMEOUT_S
    )


def _call(
    run: Run, argv: list[str], notes: list[str], *, quiet: bool = False
) -> CompletedProcess[str] | None:
    """Run a probe command; a missing tool or a failure becomes a note, not an exception."""
    try:
        done = run(argv)
    except FileNotFoundError:
        if not quiet:
            notes.append(f"{argv[0]} not found")
        return None
    except (OSError, subprocess.SubprocessError) as error:
        if not quiet:
            notes.append(f"`{' '.join(argv)}` failed: {_describe(error)}")
        return None
    if done.returncode != 0:
        if not quiet:
            said = (done.stderr or done.stdout or "").strip().splitlines()
            notes.append(
                f"`{' '.join(argv)}` exited {done.returncode}" + (f": {said[0]}" if said else "")
            )
        return None
    return done


def _max_cuda_from_table(driver_version: str | None, notes: list[str]) -> tuple[int, int] | None:
    cuda = max_cuda_for_driver(driver_version) if driver_version else None
    if cuda is not None:
        notes.append(f"max CUDA {_dotted(cuda)} taken from the driver branch table")
    return cuda


def _parse_major_minor(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", text)
    return (int(match[1]), int(match[2])) if match else None


def _dotted(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
