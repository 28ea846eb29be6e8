"""`generate --devcontainer` of a CPU and a GPU case, byte for byte; the expected files read
back as JSON with comments, the GPU one asking the host for a GPU and passing it in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reproenv.lock.model import LOCK_FILE, lock_hash, read_lock
from reproenv.plan.model import make_plan
from reproenv.render.devcontainer import DEVCONTAINER_FILE
from reproenv.render.registry import optional_renderers, render_all
from reproenv.spec.load import load_spec

HERE = Path(__file__).parent
CASES = ("sklearn-cpu", "torch-gpu", "sklearn-dev")
FOLDER = "expected-devcontainer"


@pytest.mark.parametrize("case", CASES)
def test_devcontainer_matches_expected(case: str, update_golden: bool) -> None:
    source = HERE / case / "input"
    spec = load_spec(source, env={})
    lock = read_lock(source / LOCK_FILE)
    assert lock is not None
    plan = make_plan(spec, lock, lock_hash((source / LOCK_FILE).read_text(encoding="utf-8")))
    extra = optional_renderers(devcontainer=True)
    rendered = {k: v for k, v in render_all(plan, extra).items() if k not in render_all(plan)}
    expected_dir = HERE / case / FOLDER
    if update_golden:
        for relative, text in rendered.items():
            (expected_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / relative).write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in expected_dir.rglob("*")
        if p.is_file()
    }
    assert rendered == expected
    assert sorted(rendered) == [DEVCONTAINER_FILE]


def _read(case: str) -> dict[str, object]:
    text = (HERE / case / FOLDER / DEVCONTAINER_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("//")]
    config = json.loads("\n".join(lines))
    assert isinstance(config, dict)
    return config


@pytest.mark.parametrize("case", CASES)
def test_expected_configs_work_as_the_image_user_with_nothing_installed_at_start(
    case: str,
) -> None:
    config = _read(case)
    assert config["remoteUser"] == "app"
    assert config["updateRemoteUserUID"] is True
    assert config["workspaceFolder"] == "/workspace"
    assert "target=/workspace," in str(config["workspaceMount"])
    # a spec with [devcontainer] builds the Dockerfile's dev stage (its dev group on top)
    target = {"target": "dev"} if case == "sklearn-dev" else {}
    assert config["build"] == {"dockerfile": "../Dockerfile", "context": "..", **target}
    vscode = config["customizations"]["vscode"]  # type: ignore[index]
    assert vscode["extensions"] == ["ms-python.python", "ms-toolsai.jupyter"]
    assert vscode["settings"]["python.defaultInterpreterPath"] == "/opt/venv/bin/python"
    assert not [key for key in config if key.endswith("Command")]


def test_gpu_config_asks_for_a_gpu_and_passes_it_in() -> None:
    config = _read("torch-gpu")
    assert config["hostRequirements"] == {"gpu": True}
    assert config["runArgs"] == ["--gpus", "all"]


@pytest.mark.parametrize("case", ["sklearn-cpu", "sklearn-dev"])
def test_cpu_config_passes_no_gpu(case: str) -> None:
    config = _read(case)
    assert "runArgs" not in config
    assert config.get("hostRequirements") in (None, {"gpu": "optional"})
