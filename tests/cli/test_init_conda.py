"""`reproenv init` on a conda project: the spec names the environment file in [conda], its
Python pin is the spec's, a pip: line the lock cannot pin is said at its line, and the CUDA it
asks for is the GPU decision's before anything is solved."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.conda.pip_part import OUTSIDE_REFUSED, VCS_REFUSED, check_conda_pip
from reproenv.lock.gpu import decide_gpu
from reproenv.spec.load import load_spec
from tests.conftest import Cli

# stylegan3's environment.yml, with a git line in its pip: list
STYLEGAN3 = """\
name: stylegan3
channels:
  - pytorch
  - nvidia
dependencies:
  - python >= 3.8
  - pip
  - numpy>=1.20
  - click>=8.0
  - pillow=8.3.1
  - scipy=1.7.1
  - pytorch=1.9.1
  - cudatoolkit=11.1
  - requests=2.26.0
  - tqdm=4.62.2
  - ninja=1.10.2
  - matplotlib=3.4.2
  - imageio=2.9.0
  - pip:
    - imgui==1.3.0
    - glfw==2.2.0
    - pyopengl==3.1.5
    - git+https://github.com/NVlabs/stylegan3.git@main#egg=x
    - pyspng
"""
VCS_LINE = 23
CUDATOOLKIT_LINE = 13


def test_init_on_stylegan3_names_the_environment_in_conda(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text(STYLEGAN3)
    result = cli("init", cwd=tmp_path)
    assert result.code == 0, result.output
    assert "Traceback" not in result.output
    spec = tomllib.loads((tmp_path / "reproenv.toml").read_text())
    assert spec["conda"] == {"environment": ["environment.yml"]}
    assert spec["pip"]["requirements"] == []  # the pip: list stays in the environment file
    assert not (tmp_path / "requirements-environment.in").exists()
    assert spec["python"] == "3.11"  # `python >= 3.8` pins no version: the default
    assert (
        "environment.yml:6: python >= 3.8 pins no Python version: the solve takes the spec's "
        'python = "3.11"'
    ) in " ".join(result.output.split())
    # the refusal the lock will give, said now, at its line
    assert f"environment.yml:{VCS_LINE}: git+https://github.com/NVlabs/stylegan3.git" in (
        result.stderr
    )
    assert "`reproenv lock` will refuse this" in result.stderr
    assert f"CUDA 11.1 (cudatoolkit 11.1 in environment.yml:{CUDATOOLKIT_LINE})" in result.stderr


def test_the_lock_refuses_the_vcs_line_and_decides_cuda_from_cudatoolkit(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "environment.yml").write_text(STYLEGAN3)
    assert cli("init", cwd=tmp_path).code == 0
    spec_file = tmp_path / "reproenv.toml"
    spec_file.write_text('gpu-driver = "470.57.02"\n' + spec_file.read_text())
    spec = load_spec(tmp_path, env={})
    with pytest.raises(ReproenvError) as caught:
        check_conda_pip(spec)
    assert caught.value.reference == VCS_REFUSED
    assert caught.value.message.startswith(f"environment.yml:{VCS_LINE}: git+")
    gpu = decide_gpu(spec, ())  # before a lock: the environment file's specs
    assert (gpu.need, gpu.cuda, gpu.driver) == ("cuda", "11.1", "470.57.02")
    assert gpu.frameworks == ("pytorch 1.9.1",)
    assert f"cudatoolkit 11.1 in environment.yml:{CUDATOOLKIT_LINE}" in gpu.reason


def test_init_takes_the_python_pin_and_includes_files_once(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text(
        "channels: [conda-forge]\ndependencies:\n  - python=3.10\n  - numpy\n"
        "  - pip:\n    - lib==1.0\n    - -r requirements-extra.txt\n"
    )
    (tmp_path / "requirements-extra.txt").write_text("oldnum\n")
    (tmp_path / "requirements-dev.in").write_text("pytest\n")
    result = cli("init", cwd=tmp_path)
    assert result.code == 0, result.output
    assert "will refuse" not in result.stderr and "CUDA" not in result.stderr
    spec = tomllib.loads((tmp_path / "reproenv.toml").read_text())
    assert spec["python"] == "3.10"
    assert spec["conda"]["environment"] == ["environment.yml"]
    # the extra file is an input through the environment file, not a second time
    assert spec["pip"]["requirements"] == ["requirements-dev.in"]


def test_init_says_an_environment_without_channels_is_refused(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "environment.yaml").write_text("dependencies:\n  - python=3.12\n")
    result = cli("init", cwd=tmp_path)
    assert result.code == 0, result.output
    assert tomllib.loads((tmp_path / "reproenv.toml").read_text())["conda"] == {
        "environment": ["environment.yaml"]
    }
    assert "will refuse this" in result.stderr and "name no conda channel" in result.stderr


def _conda_project(tmp_path: Path, pip: str) -> Path:
    project = tmp_path / "project"
    (project / "env").mkdir(parents=True)
    (project / "env" / "environment.yml").write_text(
        f"channels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip:\n{pip}"
    )
    (project / "reproenv.toml").write_text('[conda]\nenvironment = ["env/environment.yml"]\n')
    return project


@pytest.mark.parametrize(
    ("line", "reference"),
    [
        ("hg+https://example.org/repo#egg=x", VCS_REFUSED),
        ("x @ git+https://example.org/x.git@v1", VCS_REFUSED),
        ("-e git+https://example.org/x.git#egg=x", VCS_REFUSED),
        ("-e ../../outside", OUTSIDE_REFUSED),
        ("../../outside/x.whl", OUTSIDE_REFUSED),
        ("-r ../../extra.txt", OUTSIDE_REFUSED),
    ],
)
def test_check_conda_pip_refuses_at_the_line(tmp_path: Path, line: str, reference: str) -> None:
    project = _conda_project(tmp_path, f"    - numpy==2.0\n    - {line}\n")
    with pytest.raises(ReproenvError) as caught:
        check_conda_pip(load_spec(project, env={}))
    assert caught.value.reference == reference
    assert caught.value.message.startswith(f"env/environment.yml:6: {line}")


def test_check_conda_pip_reads_included_files_and_allows_inside_paths(tmp_path: Path) -> None:
    project = _conda_project(tmp_path, "    - -e ..\n    - ./local\n    - -r extra.txt\n")
    (project / "env" / "extra.txt").write_text("# pins\nlib==1.0\n\nsvn+https://x.org/y#egg=y\n")
    with pytest.raises(ReproenvError) as caught:
        check_conda_pip(load_spec(project, env={}))
    assert caught.value.reference == VCS_REFUSED
    assert caught.value.message.startswith("env/extra.txt:4: svn+https://x.org/y#egg=y")
    (project / "env" / "extra.txt").write_text("lib==1.0\n")
    check_conda_pip(load_spec(project, env={}))  # -e .. and ./local are inside the project
