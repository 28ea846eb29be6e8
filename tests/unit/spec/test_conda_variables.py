"""An environment file's `variables:`: values as conda exports them, merged across files with the
later file winning, refused at their file:line and key when conda could not set them, and part
of the lock's inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.inputs import input_hash
from reproenv.spec.environment import read_environments
from reproenv.spec.load import load_spec

SECRET = "s3cr3t-value"


def _env(tmp_path: Path, **files: str):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / f"{name}.yml").write_text(text)
    return read_environments(tmp_path, [f"{name}.yml" for name in files])


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("/opt/data", "/opt/data"),
        ("'quoted $HOME'", "quoted $HOME"),
        ('"007"', "007"),  # quoted: a string as written
        ("4", "4"),
        ("1_000", "1000"),
        ("010", "10"),  # YAML 1.2: decimal, not octal
        ("0o17", "15"),
        ("0x1F", "31"),
        ("1.50", "1.5"),
        ("1e3", "1000.0"),
        ("-.inf", "-inf"),
        ("true", "True"),  # Python's str() of the boolean, as conda exports it
        ("FALSE", "False"),
        ("yes", "yes"),  # a YAML 1.1 boolean only: a string for conda
        ("'a \"b\" c'", 'a "b" c'),
        ("x=y", "x=y"),
    ],
)
def test_a_scalar_is_the_string_conda_exports(tmp_path: Path, written: str, value: str) -> None:
    env = _env(tmp_path, environment=f"dependencies: [numpy]\nvariables:\n  NAME: {written}\n")
    assert [(v.name, v.value, v.where) for v in env.variables] == [
        ("NAME", value, "environment.yml:3")
    ]


def test_a_later_file_wins_per_name_and_names_keep_their_first_place(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        environment="variables:\n  B_FIRST: one\n  SHARED: base\n",
        extra="variables:\n  SHARED: extra\n  A_LAST: two\n",
    )
    assert [(v.name, v.value, v.where) for v in env.variables] == [
        ("B_FIRST", "one", "environment.yml:2"),
        ("SHARED", "extra", "extra.yml:2"),
        ("A_LAST", "two", "extra.yml:3"),
    ]


def test_no_variables_and_an_empty_mapping_are_none(tmp_path: Path) -> None:
    assert _env(tmp_path, environment="dependencies: [numpy]\n").variables == ()
    assert _env(tmp_path, environment="variables:\n").variables == ()
    assert _env(tmp_path, environment="variables: {}\n").variables == ()


@pytest.mark.parametrize(
    ("text", "where", "key"),
    [
        ("variables: [A]\n", "environment.yml:1", "variables"),
        ("variables: off\n", "environment.yml:1", "variables"),
        (f"variables:\n  TOKEN:\n    - {SECRET}\n", "environment.yml:3", "variables.TOKEN"),
        (f"variables:\n  TOKEN: {{a: {SECRET}}}\n", "environment.yml:2", "variables.TOKEN"),
        ("variables:\n  OK: 1\n  TOKEN:\n", "environment.yml:3", "variables.TOKEN"),
        ("variables:\n  TOKEN: ~\n", "environment.yml:2", "variables.TOKEN"),
        (f'variables:\n  TOKEN: "{SECRET}\\nline"\n', "environment.yml:2", "variables.TOKEN"),
        (f"variables:\n  2BAD: {SECRET}\n", "environment.yml:2", "variables"),
        (f"variables:\n  HAS SPACE: {SECRET}\n", "environment.yml:2", "variables"),
        (f"variables:\n  PATH: /x:{SECRET}\n", "environment.yml:2", "variables.PATH"),
        (f"variables:\n  CONDA_PREFIX: {SECRET}\n", "environment.yml:2", "variables.CONDA_PREFIX"),
        (f"variables:\n  A: 1\n  A: {SECRET}\n", "environment.yml:3", "variables.A"),
    ],
)
def test_a_value_conda_cannot_set_names_its_line_and_key_never_the_value(
    tmp_path: Path, text: str, where: str, key: str
) -> None:
    with pytest.raises(ReproenvError) as raised:
        _env(tmp_path, environment=text)
    error = raised.value
    assert error.reference == "conda-environment-invalid"
    assert error.message.startswith(f"{where}: "), error.message
    assert error.context.get("key") == key
    shown = " ".join([error.message, error.hint or "", *map(str, error.context.values())])
    assert SECRET not in shown


def _conda_project(tmp_path: Path, variables: str) -> Path:
    (tmp_path / "environment.yml").write_text(
        f"channels: [conda-forge]\ndependencies: [python=3.11]\n{variables}"
    )
    (tmp_path / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n'
    )
    return tmp_path


def test_the_spec_carries_the_variables_and_the_lock_inputs_change_with_them(
    tmp_path: Path,
) -> None:
    project = _conda_project(tmp_path, "variables:\n  GDAL_CACHEMAX: 512\n")
    spec = load_spec(project, env={})
    assert spec.conda is not None
    assert [(v.name, v.value) for v in spec.conda.variables] == [("GDAL_CACHEMAX", "512")]
    before = input_hash(spec)
    _conda_project(tmp_path, "variables:\n  GDAL_CACHEMAX: 1024\n")
    assert input_hash(load_spec(project, env={})) != before  # `lock --check` says stale
