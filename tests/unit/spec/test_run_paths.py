"""`[run] inputs` / `outputs` in reproenv.toml: normalised, and each bad path named."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.spec.load import load_spec


def project(tmp_path: Path, run_table: str) -> Path:
    (tmp_path / "requirements.in").write_text("")
    (tmp_path / "reproenv.toml").write_text(
        f'[pip]\nrequirements = ["requirements.in"]\n[run]\n{run_table}\n'
    )
    return tmp_path


def test_paths_are_normalised_and_kept_in_order(tmp_path: Path) -> None:
    spec = load_spec(
        project(
            tmp_path, 'inputs = ["./data/raw/", "b"]\noutputs = ["models/", "m.json", "m.json"]'
        )
    )
    assert spec.run_inputs == ("data/raw", "b")
    assert spec.run_outputs == ("models", "m.json")


def test_no_run_table_declares_nothing(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("")
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    spec = load_spec(tmp_path)
    assert (spec.run_inputs, spec.run_outputs) == ((), ())


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('outputs = ["/tmp/m.json"]', "is an absolute path"),
        ('outputs = ["~/m.json"]', "is an absolute path"),
        ('inputs = ["../data"]', "leads outside the project folder (..)"),
        ('inputs = ["data/../../x"]', "leads outside the project folder (..)"),
        ('outputs = ["."]', "is the project folder itself"),
        ('outputs = [""]', "is empty"),
        ('outputs = ["a\\\\b"]', "has a backslash"),
    ],
)
def test_a_bad_path_is_named_with_its_key(tmp_path: Path, table: str, problem: str) -> None:
    with pytest.raises(ReproenvError) as caught:
        load_spec(project(tmp_path, table))
    error = caught.value
    assert error.exit_code == ExitCode.BAD_INPUT and problem in error.message
    key = table.split(" ", 1)[0]
    assert f"run.{key}[0]" in error.message and error.context["key"] == f"run.{key}"
    assert "inside the project" in error.hint


def test_a_link_out_of_the_project_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "up").symlink_to(tmp_path)
    with pytest.raises(ReproenvError, match="symbolic link"):
        load_spec(project(root, 'inputs = ["up/data"]'))


def test_a_wrong_type_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError, match=r"run\.outputs"):
        load_spec(project(tmp_path, 'outputs = "metrics.json"'))
