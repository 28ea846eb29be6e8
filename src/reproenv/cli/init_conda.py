"""What `reproenv init` takes from a conda environment file: the [conda] table that names it,
its Python pin, and what `reproenv lock` will say of it (a pip: line it refuses, its CUDA)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CondaInputs:
    file: str | None = None  # the environment file the [conda] table names
    included: tuple[str, ...] = ()  # the -r files of its pip: list: inputs through it
    python: str | None = None  # `python=3.9` among the conda packages
    notes: tuple[str, ...] = ()
    # a `python` spec that pins no minor version (`python >= 3.8`), with where it stands
    python_range: str | None = None


_PYTHON = re.compile(r"^python\s*(?:==?\s*|\s+)(3\.\d{1,2})(?:\.[\d*]+)?(?:\s|=|$)")


def conda_inputs(project: Path) -> CondaInputs:
    """The project's environment.yml (or .yaml), read with the line of every entry. Its pip:
    list stays where it is: the conda lock resolves it for the environment's Python."""
    from reproenv.detect.conda import cuda_from_entries, environment_file
    from reproenv.spec.environment import match_spec_name, read_environments
    from reproenv.spec.requirements import parse_line

    path = environment_file(project)
    if path is None:
        return CondaInputs()
    env = read_environments(project, [path.name])
    pinned = (_PYTHON.match(entry.text) for entry in env.specs)
    python = next((m.group(1) for m in pinned if m), None)
    loose = (e for e in env.specs if python is None and match_spec_name(e.text) == "python")
    python_range = next((f"{e.where}: {e.text}" for e in loose), None)
    lines = [parse_line(entry.text) for entry in env.pip]
    included = tuple(line.value for line in lines if line.option == "--requirement" and line.value)
    pip = f" and {len(env.pip)} pip: lines" if env.pip else ""
    notes = [
        f"{path.name} ({len(env.specs)} conda packages{pip}) is named in [conda]: "
        "`reproenv lock` solves it"
    ]
    cuda = cuda_from_entries((entry.text, entry.where) for entry in env.specs)
    if cuda.cuda is not None:
        notes.append(
            f"{path.name} asks for CUDA {cuda.cuda[0]}.{cuda.cuda[1]} ({cuda.source}): the lock "
            "checks it against the target's driver (gpu-driver, or this host's)"
        )
    return CondaInputs(path.name, included, python, tuple(notes), python_range)


def check_written_spec(project: Path) -> list[str]:
    """What `reproenv lock` would refuse in the spec init wrote, said now (a message, not a
    traceback): a pip: line the lock cannot pin, an environment without channels."""
    from reproenv.errors import ReproenvError
    from reproenv.lock.conda.pip_part import check_conda_pip
    from reproenv.spec.load import load_spec

    try:
        check_conda_pip(load_spec(project))
    except ReproenvError as error:
        hint = f" ({error.hint})" if error.hint else ""
        return [f"`reproenv lock` will refuse this: {error.message}{hint}"]
    return []


def no_python_declared(project: Path) -> bool:
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
