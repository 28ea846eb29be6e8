"""The import contract in pyproject.toml holds for the tree and catches a breach of it.

Each case runs lint-imports on a copy of src/ (first on the copy as it is, then with one line
added), so a contract that checks nothing, or checks the installed package instead of the
copy, fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_tree_keeps_the_contract(tmp_path: Path) -> None:
    result = _lint(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "added", "expected"),
    [
        # an upward import: a locker reaching for the command line
        ("lock/model.py", "import reproenv.cli.main\n", "reproenv.lock.model -> reproenv.cli.main"),
        # hidden in a function, as the old lock -> build import was
        (
            "lock/apt.py",
            "def _late() -> None:\n    from reproenv.build import service\n",
            "reproenv.lock.apt -> reproenv.build.service",
        ),
        # a foundation importing the pipeline
        ("engine/docker.py", "import reproenv.spec.model\n", "reproenv.engine.docker ->"),
        # one foundation importing its sibling: the registry client and the engine stay apart
        ("oci/reference.py", "import reproenv.engine\n", "reproenv.oci.reference -> reproenv.eng"),
        # detect probing the host, though the host layer lies below it
        (
            "detect/gpu.py",
            "import reproenv.host.probe\n",
            "reproenv.detect.gpu -> reproenv.host.probe",
        ),
        # the CUDA rules reaching up for the host probe
        ("compat/drivers.py", "import reproenv.host.probe\n", "reproenv.compat.drivers ->"),
        # a cycle inside one package
        ("lock/inputs.py", "import reproenv.lock.pip\n", "No cycles are allowed in reproenv.lock"),
        # a new package that takes no place in the layers
        ("orphan/__init__.py", "", "reproenv.orphan"),
    ],
)
def test_a_breach_fails_the_contract(
    tmp_path: Path, module: str, added: str, expected: str
) -> None:
    tree = _copy_tree(tmp_path)
    target = tree / "src" / "reproenv" / module
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write("\n" + added)
    result = _lint(tree)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert expected in result.stdout + result.stderr, result.stdout + result.stderr


DOC = ROOT / "docs" / "architecture.md"
# a backticked path: `lock/`, `lock/service.py`, `errors.py`, `tests/contract/test_renderers.py`
_PATH = re.compile(r"`((?:[A-Za-z_]+/)*[A-Za-z_]+(?:/|\.py))`")
_FROM_ROOT = ("src/", "tests/", "docs/", "scripts/", "examples/", "benchmarks/")
PACKAGE = ROOT / "src" / "reproenv"


def _named_paths() -> set[str]:
    return set(_PATH.findall(DOC.read_text(encoding="utf-8")))


def test_every_path_the_architecture_names_exists() -> None:
    paths = _named_paths()
    assert len(paths) > 20, paths  # the pattern still matches how the document names things
    missing = [
        path
        for path in sorted(paths)
        if not (ROOT / path if path.startswith(_FROM_ROOT) else PACKAGE / path).exists()
    ]
    assert missing == []


def test_the_architecture_names_every_package() -> None:
    named = {path for path in _named_paths() if "/" not in path.removesuffix("/")}
    present = {
        f"{entry.name}/" if entry.is_dir() else entry.name
        for entry in PACKAGE.iterdir()
        if (entry.is_dir() and (entry / "__init__.py").is_file())
        or (entry.suffix == ".py" and entry.name != "__init__.py")
    }
    assert sorted(present - named) == []


def _sizes(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_sizes.py"), str(tree / "src")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_every_module_and_function_fits(tmp_path: Path) -> None:
    result = _sizes(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("long_module.py", "x = 1\n" * 401, "long_module.py: 401 lines"),
        (
            "long_function.py",
            "def long() -> None:\n" + "    x = 1\n" * 60,
            "long_function.py:1: long() has 61 lines",
        ),
    ],
)
def test_a_module_or_function_too_long_fails_the_size_check(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    tree = _copy_tree(tmp_path)
    (tree / "src" / "reproenv" / "lock" / name).write_text(text, encoding="utf-8")
    result = _sizes(tree)
    assert result.returncode == 1
    assert expected in result.stdout
