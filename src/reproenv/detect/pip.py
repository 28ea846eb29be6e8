"""Find a project's pip inputs. Pure: reads files, no network."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

ENTRYPOINTS = ("train.py", "main.py", "app.py")


@dataclass(frozen=True)
class PipFindings:
    requirements: tuple[str, ...]
    pyproject: bool
    entrypoint: str | None


def find_pip_inputs(project_dir: Path) -> PipFindings:
    entrypoint = next((e for e in ENTRYPOINTS if (project_dir / e).is_file()), None)
    # a lock the project already keeps is used as it is (pylock.toml is the standard one)
    for lockfile in ("pylock.toml", "uv.lock"):
        if (project_dir / lockfile).is_file():
            return PipFindings((lockfile,), pyproject=False, entrypoint=entrypoint)
    ins = sorted(p.name for p in project_dir.glob("requirements*.in") if p.is_file())
    # a .txt compiled from a same-named .in (pip-tools' convention) is output, not input
    stems = {name.removesuffix(".in") for name in ins}
    txts = sorted(
        p.name
        for p in project_dir.glob("requirements*.txt")
        if p.is_file() and p.name.removesuffix(".txt") not in stems
    )
    return PipFindings(
        requirements=tuple(ins + txts),
        pyproject=_has_static_dependencies(project_dir / "pyproject.toml"),
        entrypoint=entrypoint,
    )


def _has_static_dependencies(pyproject: Path) -> bool:
    if not pyproject.is_file():
        return False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False  # `lock` reports the syntax error with its line
    project = data.get("project", {})
    if not isinstance(project, dict) or "dependencies" in project.get("dynamic", []):
        return False
    # a buildable project is installed into the image even when it depends on nothing
    return bool(project.get("dependencies")) or (bool(project) and "build-system" in data)
