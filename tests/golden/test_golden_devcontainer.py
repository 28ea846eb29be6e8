"""`generate --devcontainer` of a CPU and a GPU case, byte for byte; the expected files read
back as JSON with comments, the GPU one asking the host for a GPU and passing it in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reproenv.render.devcontainer import DEVCONTAINER_FILE
from reproenv.render.registry import optional_renderers
from tests.golden.cases import added_files, case_plan, expected_files

HERE = Path(__file__).parent
CASES = ("sklearn-cpu", "torch-gpu", "sklearn-dev")
FOLDER = "expected-devcontainer"


@pytest.mark.parametrize("case", CASES)
def test_devcontainer_matches_expected(case: str, update_golden: bool) -> None:
    rendered = added_files(case_plan(HERE / case / "input"), optional_renderers(devcontainer=True))
    expected = expected_files(HERE / case / FOLDER, rendered, update_golden)
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
