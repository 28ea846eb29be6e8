from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.inputs import (
    check_supported,
    check_uv_supported,
    hashed_pins,
    input_hash,
    local_projects,
    locate_git_requirements,
    requirement_files,
)
from reproenv.spec.load import load_spec
from reproenv.spec.requirements import parse_line


def project(tmp_path: Path, requirements: str = "numpy\n-r extra.txt\n") -> Path:
    (tmp_path / "requirements.in").write_text(requirements)
    (tmp_path / "extra.txt").write_text("scipy\n")
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    return tmp_path


def test_includes_are_followed(tmp_path: Path) -> None:
    spec = load_spec(project(tmp_path), env={})
    assert [p.name for p in requirement_files(spec)] == ["requirements.in", "extra.txt"]


def test_hash_changes_with_any_input_and_not_with_the_mirror(tmp_path: Path) -> None:
    folder = project(tmp_path)
    before = input_hash(load_spec(folder, env={}))
    assert before == input_hash(load_spec(folder, env={"REPROENV_REGISTRY_MIRROR": "x:1"}))
    (folder / "extra.txt").write_text("scipy<2\n")
    after_include = input_hash(load_spec(folder, env={}))
    assert after_include != before
    (folder / "reproenv.toml").write_text(
        'python = "3.12"\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    assert input_hash(load_spec(folder, env={})) not in (before, after_include)


def test_missing_include_names_file_and_line(tmp_path: Path) -> None:
    spec = load_spec(project(tmp_path, "numpy\n-r nowhere.txt\n"), env={})
    with pytest.raises(ReproenvError) as caught:
        requirement_files(spec)
    assert caught.value.context["line"] == "2"
    assert "nowhere.txt" in caught.value.message


def test_input_hash_of_the_canonical_spec_is_pinned() -> None:
    """Changing how inputs are hashed marks every lock stale: it must be a deliberate change
    (bump HASH_SCHEME), so the hash of a canonical spec is written down here."""
    canonical = Path(__file__).parents[2] / "golden" / "sklearn-cpu" / "input"
    assert input_hash(load_spec(canonical, env={})) == (
        "sha256:0222889bb21faaf845c4ee31ab42fbff79d3e9738325244e91f82c9182b127f3"
    )


@pytest.mark.parametrize(
    ("line", "path"),
    [
        (".", "."),
        ("-e .", "."),
        ("--editable=./libs/foo", "./libs/foo"),
        ("./libs/foo", "./libs/foo"),
        ("foo @ file:./libs/foo", "./libs/foo"),
        ("foo @ file:///opt/foo", "/opt/foo"),
        ("../sibling ; python_version >= '3.8'", "../sibling"),
        ("numpy>=1", None),
        ("lab @ git+https://pkgs.lab.example/lab.git", None),
        ("lab @ https://pkgs.lab.example/lab-1.0.whl", None),
    ],
)
def test_local_path_forms(line: str, path: str | None) -> None:
    assert parse_line(line).local_path == path


def test_local_projects_with_their_build_requirements(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling>=1.20"]\n[project]\nname = "x"\n'
    )
    (tmp_path / "libs" / "old").mkdir(parents=True)
    (tmp_path / "libs" / "old" / "setup.py").write_text("")
    (tmp_path / "requirements.in").write_text("-e ./libs/old\nnumpy\n")
    (tmp_path / "reproenv.toml").write_text(
        '[pip]\npyproject = true\nrequirements = ["requirements.in"]\n'
    )
    projects = local_projects(load_spec(tmp_path, env={}))
    assert [(p.path, p.build_requires) for p in projects] == [
        (".", ("hatchling>=1.20",)),
        ("libs/old", ("setuptools>=40.8.0",)),  # pip's assumption without [build-system]
    ]
    assert projects[1].where == "requirements.in:1"


def test_pyproject_without_build_system_locks_dependencies_only(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["attrs"]\n')
    (tmp_path / "reproenv.toml").write_text("[pip]\npyproject = true\n")
    assert local_projects(load_spec(tmp_path, env={})) == ()


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("lab @ hg+https://pkgs.lab.example/lab", "a VCS requirement other than git"),
        ("-e git+https://pkgs.lab.example/lab.git#egg=lab", "an editable VCS requirement"),
        ("lab @ https://pkgs.lab.example/lab-1.0.whl", "a direct URL requirement"),
    ],
)
def test_uv_backend_still_refuses_what_it_cannot_pin(tmp_path: Path, line: str, kind: str) -> None:
    spec = load_spec(project(tmp_path, f"numpy\n{line}\n"), env={})
    with pytest.raises(ReproenvError) as caught:
        check_uv_supported(spec)
    assert caught.value.message.startswith(f"requirements.in:2: {line} is {kind}")
    assert caught.value.context["line"] == "2"


def test_git_and_local_lines_pass_the_uv_check(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["flit_core"]\n')
    spec = load_spec(
        project(tmp_path, "-e .\nlab @ git+https://pkgs.lab.example/lab.git\n"), env={}
    )
    check_uv_supported(spec)
    assert locate_git_requirements(spec) == [
        "requirements.in:2: lab @ git+https://pkgs.lab.example/lab.git"
    ]


WHEEL = "https://example.invalid/pkg-1.0-py3-none-any.whl"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (f"pkg @ {WHEEL}", "a direct URL requirement"),
        (f"pkg@{WHEEL}", "a direct URL requirement"),  # PEP 508 needs no spaces around @
        (f"pkg[extra]@ {WHEEL}", "a direct URL requirement"),
        (WHEEL, "a direct URL requirement"),
        ("lab@git+https://pkgs.lab.example/lab.git", "a VCS requirement"),
        ("-e git+https://pkgs.lab.example/lab.git#egg=lab", "a VCS requirement"),
        ("foo@file:./libs/foo", "a local path or editable requirement"),
        ("-e .", "a local path or editable requirement"),
        ("--editable=./libs/foo", "a local path or editable requirement"),
    ],
)
def test_pip_tools_backend_refuses_what_is_not_an_index_package(
    tmp_path: Path, line: str, kind: str
) -> None:
    spec = load_spec(project(tmp_path, f"numpy\n{line}\n"), env={})
    with pytest.raises(ReproenvError) as caught:
        check_supported(spec)
    assert caught.value.message.startswith(f"requirements.in:2: {line} is {kind}")
    assert caught.value.reference == "unsupported-requirement"


def test_pip_tools_backend_takes_index_packages_and_options(tmp_path: Path) -> None:
    lines = "-i https://pkgs.example/simple\nnumpy >= 1 ; python_version > '3'\nscipy==1.0\n"
    check_supported(load_spec(project(tmp_path, lines), env={}))


def test_uv_backend_refuses_a_direct_url_written_without_spaces(tmp_path: Path) -> None:
    spec = load_spec(project(tmp_path, f"pkg@{WHEEL}\n"), env={})
    with pytest.raises(ReproenvError) as caught:
        check_uv_supported(spec)
    assert "is a direct URL requirement" in caught.value.message


def test_hashed_pins_in_any_pep_508_spelling() -> None:
    text = (
        "--index-url https://pkgs.example/simple\n"
        "numpy == 1.0 --hash=sha256:bbb --hash=sha256:aaa\n"
        "Scikit_Learn[alldeps]==1.5 ; python_version >= '3.9' \\\n    --hash=sha256:ccc\n"
    )
    assert hashed_pins(text) == [
        ("numpy", "1.0", ("sha256:aaa", "sha256:bbb")),
        ("Scikit_Learn", "1.5", ("sha256:ccc",)),
    ]


@pytest.mark.parametrize("line", ["numpy>=1.0 --hash=sha256:a", "numpy==1.0", "numpy==1.*"])
def test_a_line_that_is_not_a_hashed_pin_needs_resolving(line: str) -> None:
    assert hashed_pins(f"scipy==1.0 --hash=sha256:b\n{line}\n") is None
