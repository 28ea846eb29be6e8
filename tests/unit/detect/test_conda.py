"""CUDA asked for by a conda environment file (not locked yet: the decision says so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.detect.conda import conda_cuda, cuda_from_specs, read_dependencies
from reproenv.errors import ReproenvError
from reproenv.lock.gpu import decide_gpu
from reproenv.spec.load import load_spec

PROJECTS = Path(__file__).parents[2] / "fixtures" / "projects"


def test_pytorch_cuda_in_an_environment_file() -> None:
    found = conda_cuda(PROJECTS / "conda-pytorch-cuda")
    assert found is not None
    assert found.file == "environment.yml"
    assert found.cuda == (12, 1)
    assert found.evidence == ("pytorch-cuda=12.1: PyTorch's conda channel builds for CUDA 12.1",)


@pytest.mark.parametrize(
    ("specs", "cuda"),
    [
        (["cuda-version>=12.4,<13", "cupy"], (12, 4)),
        (["cudatoolkit 11.8.*"], (11, 8)),
        (["pytorch::pytorch-cuda=12.4"], (12, 4)),
        (["pytorch=2.1.0=py3.11_cuda12.1_cudnn8.9.2_0"], (12, 1)),
        (["jaxlib=*=*cuda120*"], (12, 0)),
        (["pytorch=*=*cuda*"], None),  # a CUDA build, of no stated CUDA
    ],
)
def test_cuda_from_match_specs(specs: list[str], cuda: tuple[int, int] | None) -> None:
    found = cuda_from_specs("environment.yml", specs)
    assert found.cuda == cuda
    assert found.evidence


def test_cpu_only_and_absent_environments() -> None:
    assert cuda_from_specs("environment.yml", ["numpy=1.26", "conda-forge::cupy"]).evidence == ()
    assert conda_cuda(PROJECTS / "no-gpu") is None


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text("name: x\ndependencies:\n  - numpy\n  - [oops\n")
    with pytest.raises(ReproenvError) as caught:
        read_dependencies(path)
    assert caught.value.reference == "conda-environment-invalid"
    assert caught.value.message.startswith("environment.yml:")
    path.write_text("dependencies: numpy\n")
    with pytest.raises(ReproenvError) as caught:
        read_dependencies(path)
    assert caught.value.context["key"] == "dependencies"


def test_the_decision_says_what_the_environment_file_asks_and_that_it_is_not_locked(
    tmp_path: Path,
) -> None:
    (tmp_path / "environment.yml").write_text(
        (PROJECTS / "conda-pytorch-cuda" / "environment.yml").read_text()
    )
    (tmp_path / "reproenv.toml").write_text("")
    gpu = decide_gpu(load_spec(tmp_path, env={}), ())
    assert gpu.need == "none"
    assert any(
        "environment.yml asks for CUDA 12.1" in w and "names no conda environment" in w
        for w in gpu.warnings
    )


@pytest.mark.parametrize(
    ("spec", "cuda", "text"),
    [
        ("nvidia/label/cuda-12.4.0::cuda-toolkit", (12, 4), "CUDA 12.4"),
        ("cuda-version=12", (12, 0), "CUDA 12"),  # any 12.x
        ("pytorch-cuda!=11.8", None, None),
        ("cuda-version<13", None, None),
        ("python>=3.11", None, None),
    ],
)
def test_channels_major_only_pins_and_exclusions(
    spec: str, cuda: tuple[int, int] | None, text: str | None
) -> None:
    found = cuda_from_specs("environment.yml", [spec])
    assert found.cuda == cuda
    if text is None:
        assert found.evidence == ()
    else:
        assert found.evidence[0].endswith(text)


def test_an_unreadable_environment_file_does_not_stop_a_lock(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text("dependencies:\n  numpy: 1\n")
    (tmp_path / "reproenv.toml").write_text("")
    gpu = decide_gpu(load_spec(tmp_path, env={}), ())
    assert gpu.need == "none"
    assert any("environment file was not read" in w for w in gpu.warnings)


def test_the_environment_file_is_an_input_of_the_lock(tmp_path: Path) -> None:
    from reproenv.lock.inputs import input_hash

    (tmp_path / "reproenv.toml").write_text("")
    without = input_hash(load_spec(tmp_path, env={}))
    (tmp_path / "environment.yml").write_text("dependencies:\n  - pytorch-cuda=12.1\n")
    first = input_hash(load_spec(tmp_path, env={}))
    (tmp_path / "environment.yml").write_text("dependencies:\n  - pytorch-cuda=12.4\n")
    assert len({without, first, input_hash(load_spec(tmp_path, env={}))}) == 3


def test_read_environment_keeps_the_pip_list_apart(tmp_path: Path) -> None:
    from reproenv.detect.conda import read_environment

    path = tmp_path / "environment.yml"
    path.write_text(
        "dependencies:\n  - python=3.9\n  - pip\n  - pip:\n    - imgui==1.3.0\n"
        "    - -r requirements.txt\n  - numpy\n"
    )
    found = read_environment(path)
    assert found.conda == ("python=3.9", "pip", "numpy")
    assert found.pip == ("imgui==1.3.0", "-r requirements.txt")
