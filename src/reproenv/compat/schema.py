"""The models of the versioned data files in `reproenv/data/`: strict, so a refreshed file with a
renamed or misspelt key fails to load instead of being read wrong."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from reproenv.model_base import StrictModel


class DataFile(StrictModel):
    # a data file names its version `schema` only: the files are read, never built in code
    model_config = ConfigDict(populate_by_name=False)

    schema_version: Literal[1] = Field(alias="schema")
    source: tuple[str, ...]
    retrieved: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    notes: str


# --- cuda_drivers.json ---------------------------------------------------------------------------


class ToolkitDriver(StrictModel):
    cuda: str
    min_driver: str


class FamilyDriver(StrictModel):
    cuda_major: int
    min_driver: str


class CudaDrivers(DataFile):
    toolkits: tuple[ToolkitDriver, ...]
    minor_version_compatibility: tuple[FamilyDriver, ...]


# --- torch.json ----------------------------------------------------------------------------------


class TorchBuild(StrictModel):
    variant: str
    cuda: str
    archs: tuple[str, ...]
    ptx: tuple[str, ...]


class TorchRelease(StrictModel):
    torch: str
    default_wheel_same_as: str
    variants: tuple[TorchBuild, ...]

    @property
    def default(self) -> TorchBuild:
        return next(b for b in self.variants if b.variant == self.default_wheel_same_as)


class TorchData(DataFile):
    platform: str
    index_url: str
    releases: tuple[TorchRelease, ...]


# --- compute_capability.json ---------------------------------------------------------------------


class Architecture(StrictModel):
    compute_capability: str
    arch: str
    family: str
    examples: tuple[str, ...]
    min_cuda: str
    last_cuda: str | None


class ComputeCapabilities(DataFile):
    binary_compatibility: Literal["same-major-minor-or-newer"]
    ptx_compatibility: Literal["any-newer-compute-capability"]
    architectures: tuple[Architecture, ...]


# --- tensorflow.json, jax.json -------------------------------------------------------------------


class TensorflowRelease(StrictModel):
    tensorflow: str
    cuda: str
    cudnn: str
    and_cuda_extra: bool
    bundled: bool


class TensorflowData(DataFile):
    releases: tuple[TensorflowRelease, ...]


class JaxExtra(StrictModel):
    extra: str
    cuda_major: int
    min_driver: str
    bundled: bool
    wheels: tuple[str, ...]


class JaxData(DataFile):
    extras: tuple[JaxExtra, ...]


# --- cuda_images.json ----------------------------------------------------------------------------


class CudaDistro(StrictModel):
    name: str  # the tag's suffix: ubuntu24.04
    python: str  # the distro's python3.X
    python_packages: tuple[str, ...]  # what installs it with venv support


class CudaImage(StrictModel):
    cuda: str  # the full version in the tag: 12.9.1
    distros: tuple[str, ...]  # newest first
    cudnn: str | None = None  # the tag's cuDNN part ("cudnn", "cudnn8"); None: no such image
    cudnn_major: int | None = None


class CudaImages(DataFile):
    repository: str
    flavours: tuple[str, ...]
    distros: tuple[CudaDistro, ...]
    images: tuple[CudaImage, ...]

    def distro(self, name: str) -> CudaDistro | None:
        return next((d for d in self.distros if d.name == name), None)


# --- conda.json ----------------------------------------------------------------------------------


class CondaData(DataFile):
    channel_alias: str = Field(pattern=r"^https?://")
