"""What `pip install reproenv` brings is what the code imports: every third-party import of
src/reproenv is a declared runtime dependency (or, in a module that says which extra to
install when it is missing, a dependency of that extra), and every extra a message names
exists."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "reproenv"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def imported_modules() -> dict[str, str]:
    """Top-level module -> the first file importing it, lazy imports inside functions included."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def importers(module: str) -> list[Path]:
    """Every file of src/reproenv that imports `module` (at any depth, lazily too)."""
    pattern = re.compile(rf"^\s*(?:import|from)\s+{re.escape(module)}\b", re.MULTILINE)
    return [path for path in sorted(SOURCE.rglob("*.py")) if pattern.search(path.read_text())]


def from_an_extra(owners: set[str], module: str) -> bool:
    """An extra's package, imported only where the extra to install is named (the hint of
    the error a missing import becomes)."""
    extras = {
        canonicalize_name(Requirement(r).name): extra
        for extra, requirements in PROJECT["optional-dependencies"].items()
        if extra != "dev"
        for r in requirements
    }
    named = {extras[owner] for owner in owners if owner in extras}
    files = importers(module)
    return bool(named and files) and all(
        any(f"reproenv[{extra}]" in path.read_text() for extra in named) for path in files
    )


def test_every_third_party_import_is_a_declared_dependency() -> None:
    declared = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    distributions = packages_distributions()
    undeclared = []
    for module, where in imported_modules().items():
        if module in sys.stdlib_module_names or module == "reproenv" or module == "__future__":
            continue
        owners = {canonicalize_name(d) for d in distributions.get(module, [])}
        if not owners & declared and not from_an_extra(owners, module):
            undeclared.append(f"{module} ({where}; from {sorted(owners) or 'nothing installed'})")
    assert not undeclared, f"imported but not in [project].dependencies: {undeclared}"


def test_every_extra_a_hint_names_is_defined() -> None:
    extras = set(PROJECT["optional-dependencies"])
    named = {
        match
        for path in SOURCE.rglob("*.py")
        for match in re.findall(r"reproenv\[([A-Za-z0-9_.-]+)\]", path.read_text())
    }
    assert named, "the pip-tools hint names an extra"
    assert named <= extras, f"extras named in messages but not defined: {sorted(named - extras)}"
