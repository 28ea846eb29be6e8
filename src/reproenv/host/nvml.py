"""The GPUs and driver as NVML (`pynvml`, package nvidia-ml-py, optional) reports them."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from reproenv.host.report import Found, Gpu, describe, max_cuda_from_table

T = TypeVar("T")


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


def probe_nvml(nvml: NvmlLike | None, notes: list[str]) -> Found | None:
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
        notes.append(f"NVML not used: {describe(error)}")
        return None
    try:
        return _read_nvml(nvml)
    except (nvml.NVMLError, OSError, ValueError, TypeError) as error:
        notes.append(f"NVML not used: {describe(error)}")
        return None
    finally:
        # nothing to undo if shutting down fails
        with contextlib.suppress(nvml.NVMLError, OSError):
            nvml.nvmlShutdown()


def _read_nvml(nvml: NvmlLike) -> Found:
    found = Found("nvml", driver_version=_text(nvml.nvmlSystemGetDriverVersion()))
    try:
        found.max_cuda = _cuda_from_int(nvml.nvmlSystemGetCudaDriverVersion())
    except nvml.NVMLError as error:
        found.max_cuda = max_cuda_from_table(found.driver_version, found.notes)
        found.notes.append(f"NVML gave no CUDA driver version: {describe(error)}")
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


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
