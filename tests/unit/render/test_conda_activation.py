"""The conda environment is activated for every command the image runs: the environment files'
`variables:` are ENV in the final stage, and the ENTRYPOINT the install script writes into the
prefix sources the packages' etc/conda/activate.d/*.sh (as `conda activate` does) before it
execs the command. The entrypoint is run here as a subprocess, in bash and in plain sh."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from reproenv.cli.run_cmd import RunRequest, run_options
from reproenv.cli.shell import SHELL_COMMAND
from reproenv.engine import run_arguments
from reproenv.plan.conda import CONDA_ENTRYPOINT, CONDA_PREFIX
from reproenv.plan.model import make_plan
from reproenv.render.dockerfile import env_value, render_dockerfile
from reproenv.spec.load import load_spec
from tests.fakes.plans import make_build_plan
from tests.unit.render.test_conda_install_script import _script
from tests.unit.render.test_conda_render import conda_lock

ENTRYPOINT = f"{CONDA_PREFIX}/{CONDA_ENTRYPOINT}"
# the first sorts first by name although it was written second; each records that it ran
ACTIVATE_D = {
    "20-proj.sh": 'export PROJ_DATA="$CONDA_PREFIX/share/proj"\nORDER="${ORDER}proj,"\n'
    "export ORDER\n",
    "10-gdal.sh": 'export GDAL_DATA="$CONDA_PREFIX/share/gdal"\nORDER="${ORDER}gdal,"\n'
    "export ORDER\nexport SEEN_SHELL=${BASH_VERSION:+bash}\nset -- clobbered\n",
}
# what the command prints: what activation set, then its own arguments one a line
SHOW = (
    'printf "%s\\n" "$ORDER" "$CONDA_PREFIX" "$GDAL_DATA" "$PROJ_DATA" "$SEEN_SHELL" "$@"; exit 7'
)


def _project(tmp_path: Path, variables: str) -> Path:
    (tmp_path / "environment.yml").write_text(
        f"channels: [conda-forge]\ndependencies: [python=3.11]\n{variables}"
    )
    (tmp_path / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n'
    )
    return tmp_path


def _dockerfile(tmp_path: Path, variables: str, *, buildkit: bool = True) -> str:
    spec = load_spec(_project(tmp_path, variables), env={})
    return render_dockerfile(make_plan(spec, conda_lock(), "c" * 64), buildkit=buildkit)


def test_variables_are_env_in_the_final_stage_sorted_and_taken_literally(tmp_path: Path) -> None:
    text = _dockerfile(
        tmp_path, "variables:\n  ZETA: 'a \"q\" $HOME \\\\x'\n  ALPHA: 3\n  MID: /opt/x\n"
    )
    final = text.split("FROM ${BASE_IMAGE}\n", 1)[1]
    block = 'ENV ALPHA="3" \\\n    MID="/opt/x" \\\n    ZETA="a \\"q\\" \\$HOME \\\\\\\\x"\n'
    assert block in final
    assert final.index(f"COPY --from=conda {CONDA_PREFIX}") < final.index(block)
    assert "ALPHA" not in text.split("FROM ${BASE_IMAGE}\n", 1)[0]  # not in the conda stage


def test_env_values_escape_what_docker_would_expand_or_unquote() -> None:
    assert env_value("plain") == "plain"
    assert env_value('say "hi"') == 'say \\"hi\\"'
    assert env_value("$HOME and ${X}") == "\\$HOME and \\${X}"
    assert env_value("C:\\dir\\") == "C:\\\\dir\\\\"


def test_a_conda_image_runs_every_command_through_the_activating_entrypoint(
    tmp_path: Path,
) -> None:
    for buildkit in (True, False):
        text = _dockerfile(tmp_path, "", buildkit=buildkit)
        assert f'ENTRYPOINT ["{ENTRYPOINT}"]\nCMD ["python"]\n' in text
        assert f"--entrypoint {ENTRYPOINT}" in text.split("FROM ${BASE_IMAGE}\n", 1)[0]
        assert "\nENV ALPHA" not in text and "activate.d are not run" not in text


def test_a_pip_image_has_no_entrypoint() -> None:
    text = render_dockerfile(make_build_plan(), buildkit=True)
    assert "ENTRYPOINT" not in text and "--entrypoint" not in text


def test_run_and_shell_keep_the_images_entrypoint(tmp_path: Path) -> None:
    plan = make_build_plan()
    options = run_options(plan, tmp_path, RunRequest(env=("A=1",)), uid=1000, gid=1000)
    for command in (["python", "-c", "pass"], SHELL_COMMAND, []):
        assert "--entrypoint" not in run_arguments("image:tag", command, options)


@pytest.fixture
def script() -> ModuleType:
    return _script()


@pytest.fixture
def prefix(tmp_path: Path, script: ModuleType) -> Path:
    """A prefix with two activation scripts and the entrypoint the install script writes."""
    root = tmp_path / "env with space"
    (root / "etc" / "conda" / "activate.d").mkdir(parents=True)
    for name, text in ACTIVATE_D.items():
        (root / "etc" / "conda" / "activate.d" / name).write_text(text)
    (root / "etc" / "conda" / "activate.d" / "notes.txt").write_text("exit 9\n")  # not *.sh
    script.write_entrypoint(root / CONDA_ENTRYPOINT, root)
    return root


def _run(argv: list[str], path: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "ORDER": "", "CONDA_PREFIX": "/somewhere/else"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False)


def test_the_entrypoint_sources_the_scripts_in_order_in_bash_then_execs(prefix: Path) -> None:
    entrypoint = prefix / CONDA_ENTRYPOINT
    assert stat.S_IMODE(entrypoint.stat().st_mode) == 0o755
    ran = _run(
        [str(entrypoint), "sh", "-c", SHOW, "cmd", "two words", "--flag"], os.environ["PATH"]
    )
    assert ran.returncode == 7, ran.stderr  # the command's own exit code
    assert ran.stdout.splitlines() == [
        "gdal,proj,",
        str(prefix),
        f"{prefix}/share/gdal",
        f"{prefix}/share/proj",
        "bash",
        "two words",
        "--flag",
    ]


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX sh")
def test_without_bash_the_entrypoint_activates_in_sh(prefix: Path, tmp_path: Path) -> None:
    only_sh = tmp_path / "bin"
    only_sh.mkdir()
    (only_sh / "sh").symlink_to(shutil.which("sh") or "")
    ran = _run(["sh", str(prefix / CONDA_ENTRYPOINT), "sh", "-c", SHOW, "cmd", "x"], str(only_sh))
    assert ran.returncode == 7, ran.stderr
    assert ran.stdout.splitlines() == [
        "gdal,proj,",
        str(prefix),
        f"{prefix}/share/gdal",
        f"{prefix}/share/proj",
        "",  # not bash
        "x",
    ]


def test_a_prefix_without_activation_scripts_runs_the_command(
    tmp_path: Path, script: ModuleType
) -> None:
    root = tmp_path / "bare"
    root.mkdir()
    script.write_entrypoint(root / CONDA_ENTRYPOINT, root)
    for folder in (root / "etc", root / "etc" / "conda"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # any user reaches it
    ran = _run([str(root / CONDA_ENTRYPOINT), "sh", "-c", 'echo "$CONDA_PREFIX"'], "/usr/bin:/bin")
    assert (ran.returncode, ran.stdout.strip()) == (0, str(root)), ran.stderr
