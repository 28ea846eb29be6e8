"""The image installs its pins with uv from a builder stage it never leaves (or with pip, when
the spec says so), slice by slice; a lock without uv's pin is stale, or refused when frozen."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.build_tools import lacks_image_installer
from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK, Lock, read_lock
from reproenv.plan.install import IMAGE_INSTALLER_LOCK, UV_FETCH, UV_MOUNT
from reproenv.plan.model import make_plan
from reproenv.render.dockerfile import render_dockerfile
from reproenv.render.registry import render_all
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec

GOLDEN = Path(__file__).parents[2] / "golden"


def _case(name: str) -> tuple[Spec, Lock]:
    source = GOLDEN / name / "input"
    lock = read_lock(source / LOCK_FILE)
    assert lock is not None
    return load_spec(source, env={}), lock


def test_one_dependency_layer_today_is_the_whole_lock() -> None:
    spec, lock = _case("sklearn-cpu")
    plan = make_plan(spec, lock, "a" * 64)
    (layer,) = plan.install.layers
    assert layer.requirements == REQUIREMENTS_LOCK
    assert set(layer.packages) == {p.name for p in lock.pip_packages}
    assert plan.install.uses_uv
    assert plan.install.files == (REQUIREMENTS_LOCK, IMAGE_INSTALLER_LOCK, UV_FETCH)
    (pin,) = plan.install.tool
    assert pin.name == "uv" and pin.hashes == lock.image_installer[0].hashes
    # the lock keeps the wheel's URL: the uv stage fetches it without a venv or pip
    wheel = lock.image_installer[0].wheels[0]
    assert plan.install.uv_wheel == (wheel.url, wheel.sha256)
    stage = render_all(plan)["Dockerfile"].split("\nFROM ${BASE_IMAGE}\n", 1)[0]
    assert f"/tmp/reproenv/{UV_FETCH} --url {wheel.url}" in stage and "-m venv" not in stage


def test_uv_runs_from_a_mount_and_its_pins_are_rendered_with_hashes() -> None:
    spec, lock = _case("sklearn-cpu")
    files = render_all(make_plan(spec, lock, "a" * 64))
    final = files["Dockerfile"].split("\nFROM ${BASE_IMAGE}\n", 1)[1]
    assert "--mount=type=bind,from=uv," in final
    assert f"{UV_MOUNT} pip install --require-hashes --no-deps --compile-bytecode" in final
    assert "--mount=type=cache,target=/root/.cache/uv" in final
    assert "/root/.cache/pip" not in final and "PIP_CERT" not in final
    assert "SSL_CERT_FILE=/run/secrets/reproenv-ca.pem" in final
    assert all(h in files[IMAGE_INSTALLER_LOCK] for h in lock.image_installer[0].hashes)


def test_the_legacy_builder_copies_the_venv_uv_filled_in_its_stage() -> None:
    spec, lock = _case("own-files")
    text = render_dockerfile(make_plan(spec, lock, "a" * 64), buildkit=False)
    stage, final = text.split("\nFROM ${BASE_IMAGE}\n", 1)
    assert "--mount" not in text
    assert "/opt/reproenv-uv/bin/uv pip install --no-cache --require-hashes" in stage
    assert "python3 -m venv /opt/venv" in stage
    assert "COPY --from=uv /opt/venv /opt/venv" in final
    assert "reproenv-uv" not in final and UV_MOUNT not in final
    assert "-m venv" not in final


def test_installer_pip_renders_the_pip_path_without_a_uv_stage() -> None:
    spec, lock = _case("sklearn-cpu")
    spec = spec.model_copy(update={"installer": "pip"})
    files = render_all(make_plan(spec, lock, "a" * 64))
    assert IMAGE_INSTALLER_LOCK not in files
    assert " AS uv" not in files["Dockerfile"]
    assert "pip install --require-hashes --no-deps -r" in files["Dockerfile"]


def test_a_lock_without_the_image_installer_is_stale_and_refused_by_the_plan() -> None:
    spec, lock = _case("sklearn-cpu")
    old = lock.model_copy(update={"image_installer": ()})
    assert lacks_image_installer(spec, old)
    assert not lacks_image_installer(spec, lock)
    assert not lacks_image_installer(spec.model_copy(update={"installer": "pip"}), old)
    with pytest.raises(ReproenvError) as caught:
        make_plan(spec, old, "a" * 64)
    assert caught.value.reference == "image-installer-missing"
    assert "image-installer" in str(caught.value)


def test_a_pin_for_another_platform_only_does_not_cover_this_one() -> None:
    spec, lock = _case("sklearn-cpu")
    (pin,) = lock.image_installer
    other = pin.model_copy(update={"platforms": ("linux/arm64",)})
    assert lacks_image_installer(spec, lock.model_copy(update={"image_installer": (other,)}))
