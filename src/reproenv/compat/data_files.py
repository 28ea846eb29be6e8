"""Load the data files: the bundled copy in `reproenv/data/`, or the one of the same name in
REPROENV_DATA_DIR. Each is read once per process."""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from reproenv.compat.schema import (
    ComputeCapabilities,
    CondaData,
    CudaDrivers,
    CudaImages,
    DataFile,
    JaxData,
    TensorflowData,
    TorchData,
)
from reproenv.errors import bad_input
from reproenv.settings import DATA_DIR_ENV

_Model = TypeVar("_Model", bound=DataFile)


def load_data(name: str, model: type[_Model]) -> _Model:
    # A folder of newer or site-specific data files (a maintainer's refreshed copy, a company's
    # own CUDA images) replaces the bundled file of the same name.
    override = os.environ.get(DATA_DIR_ENV)
    path = Path(override) / name if override else None
    if path is not None and path.is_file():
        try:
            return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            raise bad_input(
                f"{path} is not a valid reproenv data file: {str(exc).splitlines()[0]}",
                reference="data-file-invalid",
                hint=f"fix it (the bundled {name} shows the format), or unset {DATA_DIR_ENV}",
                file=str(path),
            ) from None
    text = resources.files("reproenv.data").joinpath(name).read_text(encoding="utf-8")
    try:
        return model.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:  # a packaging mistake, not a user's
        raise RuntimeError(f"reproenv's data file {name} is invalid: {exc}") from exc


@cache
def cuda_drivers_data() -> CudaDrivers:
    return load_data("cuda_drivers.json", CudaDrivers)


@cache
def torch_data() -> TorchData:
    return load_data("torch.json", TorchData)


@cache
def compute_capability_data() -> ComputeCapabilities:
    return load_data("compute_capability.json", ComputeCapabilities)


@cache
def tensorflow_data() -> TensorflowData:
    return load_data("tensorflow.json", TensorflowData)


@cache
def jax_data() -> JaxData:
    return load_data("jax.json", JaxData)


@cache
def cuda_images_data() -> CudaImages:
    return load_data("cuda_images.json", CudaImages)


@cache
def conda_data() -> CondaData:
    return load_data("conda.json", CondaData)
