"""`reproenv init`: look at the project, write reproenv.toml."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import ForceOption, ProjectOption, note, warn


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
    conda = _conda_inputs(project, force)
    # a file the environment's pip: list includes is an input through the copy of that list
    own_inputs = [r for r in found.requirements if r not in conda.included]
    requirements = tuple(dict.fromkeys([*own_inputs, *conda.requirements]))
    python = conda.python if conda.python and _no_python_declared(project) else None
    python = python or detect_python_version(project)
    project_name = name or project_name_from_dir(project)

    command = ["python", found.entrypoint] if found.entrypoint else []
    own = _own_docker_files(project)
    spec_text = _spec_text(project_name, python, command, requirements, found.pyproject, own)
    for derived, derived_text in conda.writes:
        write_atomic(derived, derived_text)
    write_atomic(path, spec_text)
    inputs = ", ".join([*requirements, *(["pyproject.toml"] if found.pyproject else [])])
    note(f"wrote {SPEC_FILE} (Python {python}; inputs: {inputs or 'none found'})")
    if own:
        note(
            f"the project has its own {' and '.join(own)}: `reproenv generate` writes "
            f"{OUTPUT_DOCKERFILE} (image.dockerfile) and leaves them as they are"
        )
    for message in conda.warnings:
        warn(message)
    for message in conda.notes:
        note(message)
    if not inputs and conda.warnings:
        warn("nothing to lock: `reproenv lock` refuses until pip.requirements names a file")


def _toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _spec_text(
    project_name: str,
    python: str,
    command: list[str],
    requirements: tuple[str, ...],
    pyproject: bool,
    own: list[str],
) -> str:
    """reproenv.toml as init writes it: what was found, and the keys to edit as comments."""
    from reproenv.spec.model import default_base_image

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
        "[pip]",
        f"requirements = {_toml_list(requirements)}",
        f"pyproject = {'true' if pyproject else 'false'}",
        "",
        "[apt]",
        "packages = []",
        "",
        "[image]",
        # no base unless asked: the default follows `python`; a base named here is checked
        # against it when locking
        f"# base = {json.dumps(default_base_image(python))}   # default: follows python",
        'user = "app"',
        'workdir = "/workspace"',
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
        "",
    ]
    return "\n".join(lines)


OUTPUT_DOCKERFILE = ".reproenv/Dockerfile"


def _own_docker_files(project: Path) -> list[str]:
    """A Dockerfile or .dockerignore at the root that a person wrote (not reproenv)."""
    from reproenv.render.write import generated_by_reproenv

    names = ("Dockerfile", ".dockerignore")
    return [n for n in names if (project / n).is_file() and not generated_by_reproenv(project / n)]


DERIVED_REQUIREMENTS = "requirements-environment.in"  # init's copy of environment.yml's pip:


@dataclass(frozen=True)
class _CondaInputs:
    requirements: tuple[str, ...] = ()
    writes: tuple[tuple[Path, str], ...] = ()
    included: tuple[str, ...] = ()  # the -r files of the pip: list
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    python: str | None = None  # `python=3.9` among the conda packages


def _no_python_declared(project: Path) -> bool:
    """Neither .python-version nor requires-python: the environment file's pin may speak."""
    import tomllib

    if (project / ".python-version").is_file():
        return False
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    project_table = data.get("project")
    return not (isinstance(project_table, dict) and "requires-python" in project_table)


def _conda_inputs(project: Path, force: bool) -> _CondaInputs:
    """An environment file's pip: list as a requirements input (conda packages are not locked).

    `-r file` lines alone name files the spec lists directly; any other line makes init copy
    the whole list, in order, to requirements-environment.in (its `-r` paths stay relative to
    the project, as they were to the environment file beside it).
    """
    from reproenv.detect.conda import environment_file, read_environment
    from reproenv.errors import bad_input
    from reproenv.spec.requirements import parse_line

    path = environment_file(project)
    if path is None:
        return _CondaInputs()
    env = read_environment(path)
    pinned = (_PYTHON.match(spec) for spec in env.conda)
    python = next((m.group(1) for m in pinned if m), None)
    warnings = (
        f"found {env.file} with {len(env.conda)} conda packages: not locked (reproenv does not "
        "lock conda environments yet); list the ones PyPI has in a requirements file",
    )
    if not env.pip:
        return _CondaInputs(warnings=warnings, python=python)
    lines = [parse_line(line) for line in env.pip]
    files = tuple(line.value for line in lines if line.option == "--requirement" and line.value)
    if len(files) == len(lines):
        return _CondaInputs(
            requirements=files,
            warnings=warnings,
            python=python,
            notes=(f"{env.file}'s pip: list includes {', '.join(files)}: listed as inputs",),
        )
    derived = project / DERIVED_REQUIREMENTS
    text = (
        f"# the pip: list of {env.file}, copied by `reproenv init`: keep the two in step (or "
        f"replace that list with `- -r {DERIVED_REQUIREMENTS}`)\n" + "\n".join(env.pip) + "\n"
    )
    if derived.exists() and derived.read_text(encoding="utf-8") != text and not force:
        raise bad_input(
            f"{DERIVED_REQUIREMENTS} already exists and is not {env.file}'s pip: list",
            "spec-exists",
            "remove it, or pass --force to write it afresh",
            file=str(derived),
        )
    copied = f"{env.file}'s pip: list ({len(env.pip)} lines) copied to {DERIVED_REQUIREMENTS}"
    return _CondaInputs(
        requirements=(DERIVED_REQUIREMENTS,),
        writes=((derived, text),),
        included=files,
        warnings=warnings,
        python=python,
        notes=(f"{copied}, an input",),
    )


_PYTHON = re.compile(r"^python\s*==?\s*(3\.\d{1,2})(?:\.[\d*]+)?(?:\s|=|$)")  # python=3.9[.*]
