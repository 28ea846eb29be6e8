"""The curated base images (`base-images/catalog.toml`, shipped as `data/base-images.toml`):
`image.base = "reproenv:<name>"` becomes `<REPROENV_BASE_IMAGES>/<repository>:<tag>`, whose
digest the lock then pins like any other base."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field, model_validator

from reproenv.errors import bad_input
from reproenv.model_base import StrictModel
from reproenv.settings import BASE_IMAGES_ENV

PREFIX = "reproenv:"
CATALOG_FILE = "base-images.toml"


class CatalogImage(StrictModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    recipe: str  # a folder of base-images/
    repository: str = Field(pattern=r"^[a-z0-9][a-z0-9._/-]*$")
    tag: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
    python: str = Field(pattern=r"^3\.(1[0-9])$")
    cuda: str | None = Field(default=None, pattern=r"^\d+\.\d+\.\d+$")
    flavour: Literal["runtime", "devel"] | None = None
    platforms: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _cuda_has_flavour(self) -> CatalogImage:
        if (self.cuda is None) != (self.flavour is None):
            raise ValueError(f"{self.name}: cuda and flavour go together")
        return self


class Catalog(StrictModel):
    schema_: Literal[1] = Field(alias="schema")
    image: tuple[CatalogImage, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        names = [i.name for i in self.image]
        refs = [(i.repository, i.tag) for i in self.image]
        if len(set(names)) != len(names) or len(set(refs)) != len(refs):
            raise ValueError("each image needs its own name and its own repository:tag")
        return self

    def named(self, name: str) -> CatalogImage | None:
        return next((i for i in self.image if i.name == name), None)


def parse_catalog(text: str) -> Catalog:
    return Catalog.model_validate(tomllib.loads(text))


@cache
def load_catalog() -> Catalog:
    data = resources.files("reproenv.data").joinpath(CATALOG_FILE)
    return parse_catalog(data.read_text(encoding="utf-8"))


def is_catalog_name(base: str) -> bool:
    return base.startswith(PREFIX)


def expand_base(base: str, env: Mapping[str, str] | None = None) -> str:
    """`reproenv:<name>` -> `<repository>/<image repository>:<tag>`; any other base as it is."""
    if not is_catalog_name(base):
        return base
    name = base.removeprefix(PREFIX)
    image = load_catalog().named(name)
    if image is None:
        known = ", ".join(i.name for i in load_catalog().image)
        raise bad_input(
            f'image.base = "{base}": no image "{name}" in reproenv\'s base-image catalog',
            "unknown-base-image",
            f"name one of: {known}",
            key="image.base",
        )
    env = os.environ if env is None else env
    repository = env.get(BASE_IMAGES_ENV, "").strip().rstrip("/")
    if not repository:
        raise bad_input(
            f'image.base = "{base}" names a curated base image, but {BASE_IMAGES_ENV} is unset',
            "base-images-unset",
            f"set {BASE_IMAGES_ENV} to the registry repository the images are published to "
            "(e.g. ghcr.io/org/reproenv or 127.0.0.1:5055/reproenv)",
            key="image.base",
        )
    return f"{repository}/{image.repository}:{image.tag}"
