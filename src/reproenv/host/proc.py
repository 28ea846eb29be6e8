"""The driver version from `/proc/driver/nvidia`: all a host without NVML or nvidia-smi tells."""

from __future__ import annotations

import re
from pathlib import Path

from reproenv.host.report import Found, describe, max_cuda_from_table

_DRIVER_IN_PROC = re.compile(r"NVRM version:.*?\s(\d+\.\d+(?:\.\d+)?)\s")


def probe_proc(proc_root: Path, notes: list[str]) -> Found | None:
    version_file = proc_root / "driver" / "nvidia" / "version"
    try:
        text = version_file.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        notes.append(f"no NVIDIA kernel driver loaded ({version_file} does not exist)")
        return None
    except OSError as error:
        notes.append(f"cannot read {version_file}: {describe(error)}")
        return None
    match = _DRIVER_IN_PROC.search(text)
    if match is None:
        notes.append(f"{version_file} names no driver version")
        return None
    found = Found("proc", driver_version=match[1])
    found.max_cuda = max_cuda_from_table(found.driver_version, found.notes)
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
