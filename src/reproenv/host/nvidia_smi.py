"""The GPUs and driver as `nvidia-smi -q -x` reports them, with the compute capability from
`nvidia-smi --query-gpu` (CSV) where the XML leaves it out."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from reproenv.host.commands import Run, call
from reproenv.host.report import Found, Gpu, max_cuda_from_table

# the columns asked of `nvidia-smi --query-gpu` when the XML lacks the compute capability
_QUERY_FIELDS = ("index", "uuid", "pci.bus_id", "compute_cap")
_MEMORY = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB|TiB)\s*$")
_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_NOT_AVAILABLE = {"", "N/A", "[N/A]", "Not Supported", "[Not Supported]"}


def probe_nvidia_smi(run: Run, notes: list[str]) -> Found | None:
    done = call(run, ["nvidia-smi", "-q", "-x"], notes)
    if done is None:
        return None
    try:
        # trusted input: the local nvidia-smi's output; expat does not fetch the external DTD
        root = ET.fromstring(done.stdout)  # noqa: S314
    except ET.ParseError as error:
        notes.append(f"nvidia-smi -q -x gave XML that does not parse ({error})")
        return None
    found = Found("nvidia-smi", driver_version=_element_text(root, "driver_version"))
    cuda = _element_text(root, "cuda_version")
    found.max_cuda = _parse_major_minor(cuda) if cuda else None
    if found.max_cuda is None:
        found.max_cuda = max_cuda_from_table(found.driver_version, found.notes)
    rows = list(root.iter("gpu"))
    capabilities: dict[str, tuple[int, int]] = {}
    if any(_element_text(row, "cuda_compute_capability") is None for row in rows):
        # drivers up to at least 580 leave it out of the XML; the query field has it (510+)
        capabilities = _query_compute_caps(run, found.notes)
    found.gpus = tuple(_gpus(rows, capabilities, found.notes))
    return found


def _gpus(
    rows: list[ET.Element], capabilities: Mapping[str, tuple[int, int]], notes: list[str]
) -> list[Gpu]:
    gpus = []
    for index, row in enumerate(rows):
        name = _element_text(row, "product_name") or "unknown NVIDIA GPU"
        uuid = _element_text(row, "uuid")
        bus_id = row.get("id") or _element_text(row, "pci/pci_bus_id")
        capability = _parse_major_minor(_element_text(row, "cuda_compute_capability") or "")
        capability = capability or _first_of(capabilities, uuid, bus_id, str(index))
        if capability is None:
            notes.append(f"GPU {index} ({name}) left out: compute capability unknown")
            continue
        memory = _parse_memory(_element_text(row, "fb_memory_usage/total"))
        gpus.append(Gpu(index, name, capability, memory, uuid))
    return gpus


def _query_compute_caps(run: Run, notes: list[str]) -> dict[str, tuple[int, int]]:
    """Compute capability by UUID, PCI bus id and index (whichever the XML row can match)."""
    argv = ["nvidia-smi", f"--query-gpu={','.join(_QUERY_FIELDS)}", "--format=csv,noheader"]
    done = call(run, argv, notes)
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


def _parse_major_minor(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", text)
    return (int(match[1]), int(match[2])) if match else None
