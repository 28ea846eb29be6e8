from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.spec.load import load_spec


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_spec_is_completed_with_defaults(tmp_path: Path) -> None:
    write(tmp_path, "requirements.in", "numpy\n")
    write(tmp_path, "reproenv.toml", 'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n')
    spec = load_spec(tmp_path, env={})
    assert spec.name == "demo"
    assert spec.python == "3.11"
    assert spec.platforms == ("linux/amd64",)
    assert spec.base_image == "python:3.11-slim-bookworm"
    assert spec.requirements == ("requirements.in",)
    assert spec.user == "app"
    assert spec.workdir == "/workspace"
    assert spec.registry_mirror is None


def test_tool_reproenv_table_in_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\nrequires-python = ">=3.12"\ndependencies = ["requests>=2"]\n'
        "[tool.reproenv]\n[tool.reproenv.pip]\npyproject = true\n",
    )
    spec = load_spec(tmp_path, env={})
    assert spec.python == "3.14"  # newest allowed when the default is excluded
    assert spec.pyproject_dependencies == ("requests>=2",)
    assert spec.base_image == "python:3.14-slim-bookworm"


def test_python_version_file_wins_over_requires_python(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.12.4\n")
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nrequires-python = ">=3.10"\n')
    write(tmp_path, "reproenv.toml", "")
    assert load_spec(tmp_path, env={}).python == "3.12"


def test_mirror_from_environment_overrides_spec(tmp_path: Path) -> None:
    write(tmp_path, "reproenv.toml", '[image]\nregistry-mirror = "spec.example/hub"\n')
    assert load_spec(tmp_path, env={}).registry_mirror == "spec.example/hub"
    env = {"REPROENV_REGISTRY_MIRROR": "127.0.0.1:5000"}
    assert load_spec(tmp_path, env=env).registry_mirror == "127.0.0.1:5000"


def error_of(tmp_path: Path, text: str) -> ReproenvError:
    write(tmp_path, "reproenv.toml", text)
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path, env={})
    return caught.value


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'name = "demo"\npython = 3.11.2\n')
    assert error.reference == "toml-syntax"
    assert error.exit_code == ExitCode.BAD_INPUT
    assert error.message.startswith("reproenv.toml:2:")
    assert error.context["line"] == "2"


def test_unknown_key_names_key_and_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'name = "demo"\n\n[pip]\nrequirement = ["requirements.in"]\n')
    assert error.reference == "spec-unknown-key"
    assert "'pip.requirement'" in error.message
    assert error.context["line"] == "4"
    assert error.message.startswith("reproenv.toml:4:")


def test_wrong_type_names_key(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'name = "demo"\n[apt]\npackages = "git"\n')
    assert error.reference == "spec-invalid"
    assert "apt.packages" in error.message
    assert error.context["line"] == "3"


def test_bad_python_version_format(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'python = "three"\n')
    assert error.context["key"] == "python"


def test_missing_requirements_file(tmp_path: Path) -> None:
    error = error_of(tmp_path, '[pip]\nrequirements = ["requirements.in"]\n')
    assert error.reference == "missing-input-file"
    assert "requirements.in" in error.message
    assert error.context["key"] == "pip.requirements[0]"


def test_no_spec_at_all(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path, env={})
    assert caught.value.reference == "no-spec"
    assert "reproenv init" in caught.value.hint


def test_dynamic_dependencies_refused(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\ndynamic = ["dependencies"]\n')
    write(tmp_path, "reproenv.toml", "[pip]\npyproject = true\n")
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path, env={})
    assert caught.value.reference == "dynamic-dependencies"


def test_unknown_dependency_group_is_named(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[dependency-groups]\ndev = ["x"]\n')
    write(tmp_path, "reproenv.toml", '[pip]\npyproject = true\ngroups = ["tests"]\n')
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path, env={})
    assert caught.value.reference == "unknown-extra-or-group"
    assert "dependency-groups.tests" in caught.value.message
    assert "dev" in caught.value.message


def test_extras_without_pyproject_are_refused(tmp_path: Path) -> None:
    error = error_of(tmp_path, '[pip]\nextras = ["cli"]\n')
    assert error.context["key"] == "pip.extras"
