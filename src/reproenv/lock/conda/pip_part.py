"""The `pip:` part of a conda environment, checked before it is locked: every line must lock
to a name, a version and file hashes, or to a path inside the project the image copies.

A VCS checkout (`git+…`) has no file hash and moves with its branch; a path outside the
project is not in the build context. Both are refused at their line in the environment file
(or in a file its `-r` lines include).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from reproenv.errors import bad_input
from reproenv.fsutil import read_user_text
from reproenv.spec.model import Spec
from reproenv.spec.requirements import RequirementLine, Source, parse_line, split_logical

VCS_REFUSED = "conda-pip-vcs"
OUTSIDE_REFUSED = "conda-pip-outside-project"


def check_conda_pip(spec: Spec) -> None:
    """Raise bad_input, with the file and line, for the first pip: line the lock cannot pin."""
    conda = spec.conda
    if conda is None:
        return
    project = spec.project_dir.resolve()
    seen: set[Path] = set()
    for entry in conda.pip:
        folder = (project / entry.file).parent
        _check(spec, parse_line(entry.text, entry.line), entry.file, folder, seen)


def _check(spec: Spec, line: RequirementLine, file: str, folder: Path, seen: set[Path]) -> None:
    where = f"{file}:{line.number}" if line.number else file
    target = line.target or ""
    if line.source is Source.VCS:  # `git+URL`, `name @ git+URL`, `-e git+URL`
        raise bad_input(
            f"{where}: {line.text} is a {target.split('+', 1)[0]} checkout: reproenv locks the "
            "pip: part by version and file hashes, which a checkout does not have",
            VCS_REFUSED,
            "pin the package's release instead (name==version), or vendor its code inside the "
            "project and name that path",
            file=str(spec.project_dir / file),
        )
    path = line.include or line.local_path or (target if line.editable else None)
    if path is None:
        return
    resolved = (folder / path).resolve()
    project = spec.project_dir.resolve()
    if not resolved.is_relative_to(project):
        what = "includes" if line.include else "installs"
        raise bad_input(
            f"{where}: {line.text} {what} {path}, which is outside the project: the image is "
            "built from the project folder alone",
            OUTSIDE_REFUSED,
            "move (or copy) it into the project and name it relative to the environment file",
            file=str(spec.project_dir / file),
        )
    if line.include and resolved.is_file() and resolved not in seen:
        seen.add(resolved)
        included = PurePosixPath(resolved.relative_to(project).as_posix())
        for number, text in split_logical(read_user_text(resolved)):
            _check(spec, parse_line(text, number), str(included), resolved.parent, seen)


def refuse_conda_only(spec: Spec) -> None:
    """An environment file the spec does not name, and nothing else to lock: an error, not a
    lock of 0 packages."""
    if spec.conda is not None or spec.requirements or spec.pyproject_dependencies:
        return
    if spec.apt_packages:
        return
    from reproenv.detect.conda import environment_file, read_environment

    path = environment_file(spec.project_dir)
    if path is None:
        return
    found = read_environment(path)
    pip = f" and {len(found.pip)} in its pip: list" if found.pip else ""
    raise bad_input(
        f"{path.name} is this project's only input ({len(found.conda)} conda packages{pip}), "
        "and the spec does not name it: nothing would be locked",
        "conda-not-in-spec",
        f'add [conda] environment = ["{path.name}"] to the spec',
        file=str(path),
    )
