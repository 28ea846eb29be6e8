"""Dockerfile and its ignore file (.dockerignore, or `<Dockerfile>.dockerignore` beside a
Dockerfile kept in an output folder), with the project's own ignore rules merged in."""

from __future__ import annotations

from reproenv.fsutil import GENERATED_MARKER
from reproenv.plan.conda import CONDA_INSTALL_SCRIPT, CONDA_INSTALLER_LOCK, CONDA_RECORDS
from reproenv.plan.model import PROJECT_COPY, BuildPlan, ignore_file
from reproenv.render.base import render_template
from reproenv.render.conda import conda_files

CONDA_FILES = (CONDA_RECORDS, CONDA_INSTALLER_LOCK, CONDA_INSTALL_SCRIPT)
INSTALLER_VENV = "/opt/reproenv-conda"  # py-rattler, in the conda stage only

PROJECT_RULES = "# the project's own .dockerignore rules, kept as written:"
NEEDED_RULES = "# needed by the build, re-included in case a rule above excludes them:"


class DockerfileRenderer:
    name = "dockerfile"

    def outputs(self, dockerfile: str, conda: bool = False) -> tuple[str, ...]:
        """`conda`: the project has a conda environment, whose stage reads three more files."""
        return (dockerfile, ignore_file(dockerfile), *(CONDA_FILES if conda else ()))

    def render(self, plan: BuildPlan) -> dict[str, str]:
        files = {
            plan.dockerfile: render_dockerfile(plan, buildkit=True),
            plan.dockerignore: render_dockerignore(plan),
        }
        if plan.conda:
            files.update(conda_files(plan.conda))
        return files


def render_dockerfile(plan: BuildPlan, *, buildkit: bool) -> str:
    """`buildkit=False` drops the secret and cache mounts the legacy builder cannot parse."""
    labels = [f'{key}="{value}"' for key, value in sorted(plan.labels.items())]
    venv_command = None
    variables = plan.conda.variables if plan.conda else ()
    if plan.has_venv:
        # over a conda environment, the venv sees its packages (noarch python ones included)
        shared = " --system-site-packages" if plan.conda else ""
        venv_command = f"{plan.venv_python} -m venv{shared} {plan.venv}"
    return render_template(
        "Dockerfile.j2",
        plan=plan,
        buildkit=buildkit,
        labels=labels,
        project_copy=PROJECT_COPY,
        venv_command=venv_command,
        conda_path=f"{plan.conda.prefix}/bin:" if plan.conda else "",
        conda_variables=[f'{name}="{env_value(value)}"' for name, value in variables],
        installer_venv=INSTALLER_VENV,
    )


def env_value(value: str) -> str:
    """A value inside an ENV's double quotes, taken literally: `conda activate` exports it in
    single quotes, so a `$` is not expanded either."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")


def render_dockerignore(plan: BuildPlan) -> str:
    in_folder = plan.dockerignore != ".dockerignore"
    return render_template(
        "dockerignore.j2",
        plan=plan,
        # the generated pair is read by the builder apart from the context: keep it out of it
        own_files=(plan.dockerfile, plan.dockerignore) if in_folder else (),
        project_rules=plan.project_ignore,
        project_rules_heading=PROJECT_RULES,
        needed_heading=NEEDED_RULES,
        needed=(
            *((plan.requirements_lock,) if plan.has_pip_packages else ()),
            *(plan.conda.files if plan.conda else ()),
        ),
    )


def project_rules(text: str) -> tuple[str, ...]:
    """The rules of a project's .dockerignore as a person wrote them; from one reproenv
    generated (a merge made earlier with --force), the project's part it kept."""
    lines = text.splitlines()
    if any(GENERATED_MARKER in line for line in lines[:3]):
        if PROJECT_RULES not in lines:
            return ()
        start = lines.index(PROJECT_RULES) + 1
        end = lines.index(NEEDED_RULES) if NEEDED_RULES in lines[start:] else len(lines)
        lines = lines[start:end]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return tuple(lines)
