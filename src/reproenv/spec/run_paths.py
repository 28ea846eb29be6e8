"""`[run] inputs` and `outputs`: paths inside the project, each named in its error."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from reproenv.errors import bad_input


def checked_run_paths(
    paths: Sequence[str], key: str, project_dir: Path, spec_path: Path
) -> tuple[str, ...]:
    """Normalised (`./data/` -> `data`), in the spec's order, each once. The path need not
    exist yet (an output appears with the run); one that leads out of the project, through
    `..` or a symbolic link, is refused."""
    root = project_dir.resolve()
    checked: list[str] = []
    for index, path in enumerate(paths):
        where = f"{spec_path.name}: run.{key}[{index}] = {path!r}"
        problem = _problem(path)
        if problem is None:
            normal = PurePosixPath(*(p for p in PurePosixPath(path).parts if p != ".")).as_posix()
            resolved = (root / normal).resolve()
            if resolved != root and root not in resolved.parents:
                problem = "leads outside the project folder (through a symbolic link)"
        if problem is not None:
            raise bad_input(
                f"{where} {problem}",
                "run-path-invalid",
                f"name a file or folder inside the project, relative to it "
                f'(e.g. {key} = ["{"metrics.json" if key == "outputs" else "data/raw"}"])',
                file=str(spec_path),
                key=f"run.{key}",
            )
        if normal not in checked:
            checked.append(normal)
    return tuple(checked)


def _problem(path: str) -> str | None:
    if not path.strip():
        return "is empty"
    if "\\" in path:
        return "has a backslash: write it with /"
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("~"):
        return "is an absolute path"
    if ".." in pure.parts:
        return "leads outside the project folder (..)"
    if all(part == "." for part in pure.parts):
        return "is the project folder itself"
    return None
