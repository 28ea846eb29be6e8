"""What the probe found: the GPUs, the driver and the highest CUDA it runs, with notes on what a
richer source could not tell."""

from __future__ import annotations

from dataclasses import dataclass, field

from reproenv.errors import ReproenvError


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
            "compute_capability": dotted(self.compute_capability),
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
            "max_cuda": dotted(self.max_cuda) if self.max_cuda else None,
            "docker_nvidia_runtime": self.docker_nvidia_runtime,
            "notes": list(self.notes),
        }


@dataclass
class Found:
    """What one source found, before the docker check is added."""

    source: str
    gpus: tuple[Gpu, ...] = ()
    driver_version: str | None = None
    max_cuda: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)


def max_cuda_for_driver(driver_version: str) -> tuple[int, int] | None:
    """The highest CUDA a driver runs natively, from data/cuda_drivers.json; used only when the
    driver itself (NVML, nvidia-smi) could not say."""
    from reproenv.compat.drivers import driver_max_cuda  # pydantic: only when needed

    try:
        return driver_max_cuda(driver_version)
    except ReproenvError:  # not a driver version
        return None


def max_cuda_from_table(driver_version: str | None, notes: list[str]) -> tuple[int, int] | None:
    cuda = max_cuda_for_driver(driver_version) if driver_version else None
    if cuda is not None:
        notes.append(f"max CUDA {dotted(cuda)} taken from the driver branch table")
    return cuda


def dotted(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
