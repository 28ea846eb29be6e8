"""`reproenv init`: look at the project, write reproenv.toml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import ForceOption, ProjectOption
from reproenv.cli.output import note, warn

if TYPE_CHECKING:
    from reproenv.cli.init_conda import CondaInputs


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    project: ProjectOption = Path(),
    force: ForceOption = False,
    name: Annotated[
        str | None, typer.Option(metavar="NAME", help="Project name (default: the folder's).")
    ] = None,
) -> None:
    """Look at the project and write reproenv.toml."""

    from reproenv.cli.init_conda import conda_inputs, no_python_declared
    from reproenv.detect.pip import find_pip_inputs
    from reproenv.errors import bad_input
    from reproenv.fsutil import write_atomic
    from reproenv.spec.load import detect_python_version
    from reproenv.spec.model import SPEC_FILE, project_name_from_dir

    if not project.is_dir():
        raise bad_input(f"{project} is not a folder", "no-project", "pass an existing folder")
    path = project / SPEC_FILE
    if path.exists() and not force:
        raise bad_input(
            f"{SPEC_FILE} already exists in {project.name}",
            "spec-exists",
            "edit it, or pass --force to write a fresh one",
            file=str(path),
        )
    found = find_pip_inputs(project)
    conda = conda_inputs(project)
    # a file the environment's pip: list includes is an input through the environment file
    requirements = tuple(r for r in found.requirements if r not in conda.included)
    python = conda.python if conda.python and no_python_declared(project) else None
    python = python or detect_python_version(project)
    project_name = name or project_name_from_dir(project)

    command = ["python", found.entrypoint] if found.entrypoint else []
    own = _own_docker_files(project)
    spec_text = _spec_text(
        project_name, python, command, requirements, found.pyproject, own, conda.file
    )
    write_atomic(path, spec_text)
    inputs = [*([conda.file] if conda.file else []), *requirements]
    inputs += ["pyproject.toml"] if found.pyproject else []
    note(f"wrote {SPEC_FILE} (Python {python}; inputs: {', '.join(inputs) or 'none found'})")
    if own:
        note(
            f"the project has its own {' and '.join(own)}: `reproenv generate` writes "
            f"{OUTPUT_DOCKERFILE} (image.dockerfile) and leaves them as they are"
        )
    _say_conda(project, conda, python)
    _say_unused_lock_files(project, conda.file)


# conda lock files init does not turn into a spec: which environment of them is the image's is
# the user's call (a project's pixi.lock often pins its developers' tools, not its runtime)
CONDA_LOCK_FILES = ("conda-lock.yml", "pixi.lock")


def _say_unused_lock_files(project: Path, environment_file: str | None) -> None:
    from rich.markup import escape

    if environment_file:
        return
    for name in CONDA_LOCK_FILES:
        if (project / name).is_file():
            message = (
                f"{name} is here and not used: the image installs the pip inputs above; to "
                f'build the conda environment it pins instead, add lockfile = "{name}" under '
                "[conda] in reproenv.toml (and lockfile-environment = NAME for one of several) "
                "and run `reproenv lock`"
            )
            note(escape(message))


def _say_conda(project: Path, conda: CondaInputs, python: str) -> None:
    """What the lock will make of the environment file, said by init before anything runs."""
    from rich.markup import escape

    from reproenv.cli.init_conda import check_written_spec

    # rich reads `[conda]` and `[conda-forge]` as markup: these are plain text
    for message in conda.notes:
        note(escape(message))
    if conda.python_range and python != conda.python:
        note(
            escape(
                f"{conda.python_range} pins no Python version: the solve takes the spec's "
                f'python = "{python}"; if `reproenv lock` finds the packages unsatisfiable '
                "with it, set python in reproenv.toml to one they were made for"
            )
        )
    if conda.file:
        for message in check_written_spec(project):
            warn(escape(message))


def _toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _spec_text(
    project_name: str,
    python: str,
    command: list[str],
    requirements: tuple[str, ...],
    pyproject: bool,
    own: list[str],
    environment: str | None = None,
) -> str:
    """reproenv.toml as init writes it: what was found, and the keys to edit as comments."""

    lines = [
        "# reproenv spec: edit freely, then run `reproenv lock`.",
        f"name = {json.dumps(project_name)}",
        f'python = "{python}"',
        'platforms = ["linux/amd64"]',
        *(
            [f"command = {_toml_list(command)}"]
            if command
            else ['# command = ["python", "train.py"]']
        ),
        "",
        *(
            [
                "# the conda environment (its pip: list included), solved by `reproenv lock`",
                "[conda]",
                f"environment = {_toml_list([environment])}",
                "",
            ]
            if environment
            else []
        ),
        "[pip]",
        f"requirements = {_toml_list(requirements)}",
        f"pyproject = {'true' if pyproject else 'false'}",
        "",
        "[apt]",
        "packages = []",
        "",
        *_image_lines(python, own),
        "",
        "# a VS Code devcontainer whose image adds a dev group on the Dockerfile's dev stage",
        "# [devcontainer]",
        '# tools = ["pytest", "ipykernel"]   # and/or extras = ["dev"], groups = ["dev"]',
        "",
    ]
    return "\n".join(lines)


def _image_lines(python: str, own: list[str]) -> list[str]:
    from reproenv.spec.model import default_base_image

    return [
        "[image]",
        # no base unless asked: the default follows `python`; a base named here is checked
        # against it when locking
        f"# base = {json.dumps(default_base_image(python))}   # default: follows python",
        'user = "app"',
        'workdir = "/workspace"',
        '# installer = "pip"   # default "uv": dependency layers by weight, uv never in the image',
        *(
            [
                f"# the project keeps its own {' and '.join(own)}: reproenv writes its own "
                "in .reproenv/",
                f'dockerfile = "{OUTPUT_DOCKERFILE}"',
            ]
            if own
            else [f'# dockerfile = "{OUTPUT_DOCKERFILE}"   # beside a project\'s own Dockerfile']
        ),
        '# registry-mirror = "mirror.example.org/dockerhub"   # or REPROENV_REGISTRY_MIRROR',
    ]


OUTPUT_DOCKERFILE = ".reproenv/Dockerfile"


def _own_docker_files(project: Path) -> list[str]:
    """A Dockerfile or .dockerignore at the root that a person wrote (not reproenv)."""
    from reproenv.render.write import generated_by_reproenv

    names = ("Dockerfile", ".dockerignore")
    return [n for n in names if (project / n).is_file() and not generated_by_reproenv(project / n)]
