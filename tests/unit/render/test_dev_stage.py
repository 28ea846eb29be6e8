"""The Dockerfile's `dev` stage and the devcontainer's Features, rendered from the golden
sklearn-dev case: the dev group on top of the runtime stage with each builder and installer,
the runtime stage last again, and devcontainer-lock.json as the Dev Containers CLI writes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.model import LOCK_FILE, Lock, LockedFeature, read_lock
from reproenv.plan.install import DEV_LOCK, UV_MOUNT
from reproenv.plan.model import BuildPlan, make_plan
from reproenv.render.devcontainer import DEVCONTAINER_FILE, FEATURES_LOCK_FILE
from reproenv.render.dockerfile import render_dockerfile
from reproenv.render.registry import optional_renderers, render_all
from reproenv.render.write import check_writable, write_files
from reproenv.spec.devcontainer import DevcontainerSpec
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec

SOURCE = Path(__file__).parents[2] / "golden" / "sklearn-dev" / "input"
FEATURE = "ghcr.io/devcontainers/features/github-cli:1"
DIGEST = "sha256:" + "9" * 64
PIN = LockedFeature(
    id=FEATURE,
    version="1.0.14",
    resolved=f"ghcr.io/devcontainers/features/github-cli@{DIGEST}",
    integrity=DIGEST,
)


def case() -> tuple[Spec, Lock]:
    lock = read_lock(SOURCE / LOCK_FILE)
    assert lock is not None
    return load_spec(SOURCE, env={}), lock


def dev_plan(**spec_changes: object) -> BuildPlan:
    spec, lock = case()
    return make_plan(spec.model_copy(update=spec_changes), lock, "a" * 64)


def dev_part(text: str) -> str:
    return text.split("\nFROM runtime AS dev\n", 1)[1]


def test_the_dev_stage_installs_the_dev_pins_with_uv_from_its_stage() -> None:
    plan = dev_plan()
    assert plan.dev is not None and {p.name for p in plan.dev.pins} >= {"pytest", "ruff"}
    files = render_all(plan)
    text = files["Dockerfile"]
    assert "FROM ${BASE_IMAGE} AS runtime\n" in text
    dev = dev_part(text)
    assert f"--mount=type=bind,source={DEV_LOCK}," in dev
    assert f"{UV_MOUNT} pip install --require-hashes --no-deps" in dev
    assert dev.index("USER 0:0") < dev.index("pip install") < dev.index("USER 1000:1000")
    assert text.rstrip().endswith("\nFROM runtime")
    # the runtime stage installs none of the dev pins: they are in the dev lock only
    runtime = text.split("\nFROM runtime AS dev\n", 1)[0]
    assert DEV_LOCK not in runtime
    assert "\npytest==" in files[DEV_LOCK] and "--hash=sha256:" in files[DEV_LOCK]
    others = "".join(v for k, v in files.items() if k not in (DEV_LOCK, ".dockerignore"))
    assert "pytest" not in others


def test_the_legacy_builder_copies_uv_into_the_dev_stage() -> None:
    dev = dev_part(render_dockerfile(dev_plan(), buildkit=False))
    assert "--mount" not in dev
    assert f"COPY --from=uv /opt/reproenv-uv/bin/uv {UV_MOUNT}" in dev
    assert f"COPY {DEV_LOCK} /tmp/reproenv/{DEV_LOCK}" in dev


@pytest.mark.parametrize("buildkit", [True, False])
def test_with_pip_as_the_installer_the_venv_s_pip_installs_the_dev_pins(buildkit: bool) -> None:
    dev = dev_part(render_dockerfile(dev_plan(installer="pip"), buildkit=buildkit))
    assert "/opt/venv/bin/python -m pip install" in dev and "--require-hashes" in dev
    assert "uv" not in dev


def test_a_table_without_a_dev_group_still_names_the_dev_stage() -> None:
    spec, lock = case()
    plan = make_plan(
        spec.model_copy(update={"devcontainer": DevcontainerSpec()}),
        lock.model_copy(update={"dev_packages": ()}),
        "a" * 64,
    )
    text = render_all(plan)["Dockerfile"]
    assert "\nFROM runtime AS dev\n" in text and "USER 0:0" not in dev_part(text)
    assert DEV_LOCK not in render_all(plan)


def test_no_table_renders_the_runtime_stage_alone() -> None:
    text = render_all(dev_plan(devcontainer=None))["Dockerfile"]
    assert " AS runtime" not in text and "AS dev" not in text


def features_plan() -> BuildPlan:
    spec, lock = case()
    dev = DevcontainerSpec(features=((FEATURE, (("version", "2.60.0"),)),))
    return make_plan(
        spec.model_copy(update={"devcontainer": dev}),
        lock.model_copy(update={"devcontainer_features": (PIN,)}),
        "a" * 64,
    )


def test_features_and_their_lock_as_the_cli_writes_it() -> None:
    files = render_all(features_plan(), optional_renderers(devcontainer=True))
    text = files[DEVCONTAINER_FILE]
    config = json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))
    assert config["features"] == {FEATURE: {"version": "2.60.0"}}
    expected = {"features": {FEATURE: {"version": "1.0.14", "resolved": PIN.resolved,
                                       "integrity": DIGEST}}}  # fmt: skip
    assert files[FEATURES_LOCK_FILE] == json.dumps(expected, indent=2) + "\n"


def test_the_cli_s_own_features_lock_is_replaced_but_a_person_s_file_is_not(
    tmp_path: Path,
) -> None:
    files = render_all(features_plan(), optional_renderers(devcontainer=True))
    lock_file = tmp_path / FEATURES_LOCK_FILE
    lock_file.parent.mkdir()
    lock_file.write_text('{\n  "features": {}\n}\n', encoding="utf-8")  # the CLI's
    assert FEATURES_LOCK_FILE in write_files(tmp_path, files, force=False)
    lock_file.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(ReproenvError) as caught:
        check_writable(tmp_path, [FEATURES_LOCK_FILE], force=False)
    assert caught.value.reference == "refuse-overwrite"
