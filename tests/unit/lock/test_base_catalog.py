from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from reproenv.errors import ReproenvError
from reproenv.lock.base_catalog import expand_base, load_catalog, parse_catalog

REPO = Path(__file__).resolve().parents[3]
TOP = REPO / "base-images" / "catalog.toml"
SHIPPED = REPO / "src" / "reproenv" / "data" / "base-images.toml"
ENV = {"REPROENV_BASE_IMAGES": "127.0.0.1:5055/reproenv/"}


def test_the_shipped_catalog_is_the_top_level_one() -> None:
    assert SHIPPED.read_bytes() == TOP.read_bytes()


def test_the_catalog_validates_and_covers_python_3_10_to_3_13() -> None:
    catalog = load_catalog()
    cpu = {i.python for i in catalog.image if i.cuda is None}
    assert {"3.10", "3.11", "3.12", "3.13"} <= cpu
    flavours = {i.flavour for i in catalog.image if i.cuda}
    assert flavours == {"runtime", "devel"}


def test_every_recipe_named_exists() -> None:
    for image in load_catalog().image:
        assert (REPO / "base-images" / image.recipe / "Dockerfile").is_file(), image.name


def test_catalog_cuda_versions_are_in_the_cuda_image_table() -> None:
    from reproenv.compat.data_files import cuda_images_data

    known = {i.cuda for i in cuda_images_data().images}
    for image in load_catalog().image:
        assert image.cuda is None or image.cuda in known, image.name


def test_a_broken_catalog_is_refused() -> None:
    text = TOP.read_text(encoding="utf-8")
    with pytest.raises(ValidationError):
        parse_catalog(text.replace('flavour = "devel"', "", 1))
    with pytest.raises(ValidationError):
        parse_catalog(text + '\n[[image]]\nname = "py3.11"\n')
    with pytest.raises(ValidationError):
        parse_catalog(text.replace("schema = 1", "schema = 1\nextra = 2"))


def test_a_catalog_name_expands_to_the_configured_repository() -> None:
    assert expand_base("reproenv:py3.11", ENV) == "127.0.0.1:5055/reproenv/python:3.11-bookworm"
    assert (
        expand_base("reproenv:cuda12.8-py3.12", ENV)
        == "127.0.0.1:5055/reproenv/cuda:12.8-runtime-py3.12"
    )


def test_other_bases_are_left_alone() -> None:
    assert expand_base("python:3.11-slim-bookworm", {}) == "python:3.11-slim-bookworm"


def test_an_unknown_name_names_the_key_and_the_choices() -> None:
    with pytest.raises(ReproenvError) as caught:
        expand_base("reproenv:py2.7", ENV)
    text = str(caught.value) + caught.value.hint
    assert "image.base" in text and "py2.7" in text and "py3.11" in text
    assert caught.value.exit_code == 2


def test_an_unset_repository_names_the_setting() -> None:
    with pytest.raises(ReproenvError) as caught:
        expand_base("reproenv:py3.11", {})
    assert "REPROENV_BASE_IMAGES" in str(caught.value) + caught.value.hint
    assert caught.value.exit_code == 2


def test_the_publishing_workflow_builds_every_catalog_image() -> None:
    workflow = (REPO / ".github" / "workflows" / "base-images.yml").read_text(encoding="utf-8")
    for image in load_catalog().image:
        assert f"{image.repository}:{image.tag}" in workflow, image.name
