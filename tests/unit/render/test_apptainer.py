"""apptainer.def: read back by spython, its environment the Dockerfile's final ENV, and its
%runscript run here by sh: the spec's command with no arguments, the arguments otherwise."""

from __future__ import annotations

import dataclasses
import re
import shlex
import subprocess
from pathlib import Path

import dockerfile
import pytest
import yaml

from reproenv.plan.model import BuildPlan, make_plan
from reproenv.render.apptainer import APPTAINER_DEF, ApptainerRenderer
from reproenv.render.dockerfile import render_dockerfile
from reproenv.render.environment import image_environment
from reproenv.spec.load import load_spec
from tests.apptainer_recipe import read_recipe
from tests.fakes.plans import make_build_plan
from tests.unit.render.test_conda_render import conda_lock

PUBLISHED = "registry.example.org/team/demo@sha256:" + "cd" * 32
TRICKY = "a 'q' \"d\" $HOME \\x"  # a conda variable taken literally, as `conda activate` does


def _conda_plan(tmp_path: Path) -> BuildPlan:
    environment = {
        "channels": ["conda-forge"],
        "dependencies": ["python=3.11"],
        "variables": {"TRICKY": TRICKY, "ALPHA": 3},
    }
    (tmp_path / "environment.yml").write_text(yaml.safe_dump(environment))
    (tmp_path / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n'
    )
    return make_plan(load_spec(tmp_path, env={}), conda_lock(), "c" * 64)


def _write(tmp_path: Path, plan: BuildPlan, image: str | None = None) -> Path:
    files = ApptainerRenderer(image).render(plan)
    path = tmp_path / "out" / APPTAINER_DEF
    path.parent.mkdir(exist_ok=True)
    path.write_text(files[APPTAINER_DEF])
    return path


def _final_env(text: str) -> dict[str, str]:
    """The ENV of the Dockerfile's last stage, values unquoted as the builder reads them."""
    commands = list(dockerfile.parse_string(text))
    last = max(i for i, c in enumerate(commands) if c.cmd.lower() == "from")
    found: dict[str, str] = {}
    for command in commands[last:]:
        if command.cmd.lower() == "env":
            pairs = command.value
            for name, value in zip(pairs[::2], pairs[1::2], strict=True):
                quoted = value.startswith('"') and value.endswith('"')
                found[name] = re.sub(r"\\(.)", r"\1", value[1:-1]) if quoted else value
    return found


@pytest.mark.parametrize("kind", ["cpu", "cuda", "conda"])
def test_environment_is_the_dockerfiles_final_env(kind: str, tmp_path: Path) -> None:
    plans = {"cpu": lambda: make_build_plan(), "cuda": lambda: make_build_plan(require_cuda="12.4")}
    plan = plans[kind]() if kind in plans else _conda_plan(tmp_path)
    expected = _final_env(render_dockerfile(plan, buildkit=True))
    assert dict(image_environment(plan)) == expected
    if kind == "conda":
        assert expected["TRICKY"] == TRICKY


def test_definition_by_digest_and_from_the_local_engine(tmp_path: Path) -> None:
    plan = make_build_plan(command=("python", "train.py"))
    local = read_recipe(_write(tmp_path, plan))
    assert (local.bootstrap, local.source) == ("docker-daemon", plan.image_tag)
    published = read_recipe(_write(tmp_path, plan, PUBLISHED))
    assert (published.bootstrap, published.source) == ("docker", PUBLISHED)
    assert published.labels["dev.reproenv.lock-hash"] == plan.lock_hash
    assert published.labels["org.opencontainers.image.base.digest"] == plan.base_digest
    assert published.environment["PYTHONNOUSERSITE"] == "1"  # the mounted home's packages
    assert "--nv" not in _write(tmp_path, plan).read_text()


def test_gpu_help_names_nv_and_the_driver_the_cuda_needs(tmp_path: Path) -> None:
    text = _write(tmp_path, make_build_plan(require_cuda="12.4")).read_text()
    help_text = text.split("%help", 1)[1]
    assert "apptainer run --cleanenv --nv " in help_text
    assert "CUDA 12.4 needs driver ≥ 550.54.14" in help_text
    assert read_recipe(_write(tmp_path, make_build_plan(require_cuda="12.4"))).environment[
        "NVIDIA_REQUIRE_CUDA"
    ] == shlex.quote("cuda>=12.4")


def _runscript(tmp_path: Path, plan: BuildPlan) -> Path:
    script = tmp_path / "runscript.sh"
    script.write_text("\n".join(read_recipe(_write(tmp_path, plan)).runscript) + "\n")
    return script


def test_runscript_runs_the_command_in_the_workdir_or_the_arguments_given(tmp_path: Path) -> None:
    workdir = tmp_path / "workspace"
    workdir.mkdir()
    plan = make_build_plan(workdir=str(workdir), command=("sh", "-c", 'pwd; echo "$0|$1"', "a b"))
    script = _runscript(tmp_path, plan)
    ran = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines() == [str(workdir), "a b|"]
    given = subprocess.run(
        ["sh", str(script), "printf", "%s;", "x y", "z"], capture_output=True, text=True, check=True
    )
    assert given.stdout == "x y;z;"


def test_runscript_of_a_conda_image_goes_through_its_activating_entrypoint(
    tmp_path: Path,
) -> None:
    plan = _conda_plan(tmp_path)
    assert plan.conda is not None
    recipe = read_recipe(_write(tmp_path, plan))
    assert recipe.runscript[-1] == f'exec {plan.conda.entrypoint} "$@"'
    assert "set -- python" in recipe.runscript
    # taken literally: the shell that sources %environment gives back the value as written
    assert shlex.split(recipe.environment["TRICKY"]) == [TRICKY]
    assert recipe.environment["CONDA_PREFIX"] == plan.conda.prefix


def test_written_beside_a_dockerfile_in_an_output_folder() -> None:
    plan = dataclasses.replace(make_build_plan(), dockerfile=".reproenv/Dockerfile")
    assert list(ApptainerRenderer().render(plan)) == [".reproenv/apptainer.def"]
    assert ApptainerRenderer().outputs(plan.dockerfile) == (".reproenv/apptainer.def",)
