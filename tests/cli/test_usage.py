"""Usage errors, help and shell completion of the real `reproenv` process, as typer users expect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Cli, Result


def assert_usage_error(result: Result, usage: str) -> None:
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"Usage: reproenv {usage}"), result.stderr
    assert "--help' for help." in result.stderr


def test_unknown_command_suggests_the_close_one(cli: Cli, tmp_path: Path) -> None:
    result = cli("lokc", cwd=tmp_path)
    assert_usage_error(result, "[OPTIONS] COMMAND [ARGS]...")
    assert "No such command 'lokc'. Did you mean 'lock'?" in result.stderr


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [("--explain-gpus", ["--explain-gpu"]), ("--upgrad", ["--upgrade", "--upgrade-package"])],
)
def test_unknown_option_suggests_the_close_ones(
    cli: Cli, tmp_path: Path, typed: str, candidates: list[str]
) -> None:
    result = cli("lock", typed, cwd=tmp_path)
    assert_usage_error(result, "lock [OPTIONS]")
    # the wording is click's and changes between versions: "Did you mean --x?", "(Did you mean
    # one of: '--x', '--y'?)" or typer's "(Possible options: --x, --y)"
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert "No such option" in error and typed in error
    assert "Did you mean" in error or "Possible options" in error
    for candidate in candidates:
        assert re.search(rf"\W{candidate}\b(?!-)", error), error


def test_bad_value_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("lock", "--backend", "pipx", cwd=tmp_path)
    assert_usage_error(result, "lock [OPTIONS]")
    assert "Invalid value for '--backend'" in result.stderr
    assert "'uv', 'pip-tools'" in result.stderr


def test_missing_option_value_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("lock", "--project", cwd=tmp_path)
    assert result.code == 2, result.output
    assert result.stderr == "Error: Option '--project' requires an argument.\n"  # click's own


def test_help_shows_flags_without_type_noise(cli: Cli, tmp_path: Path) -> None:
    result = cli("lock", "--help", cwd=tmp_path)
    assert result.code == 0, result.output
    assert "Usage: reproenv lock [OPTIONS]" in result.stdout
    assert "--upgrade" in result.stdout and "--check" in result.stdout
    assert "<bool>" not in result.stdout


def test_completion_script_and_answers(cli: Cli, tmp_path: Path) -> None:
    shown = cli("--show-completion", "bash", cwd=tmp_path)
    assert shown.code == 0, shown.output
    assert "_REPROENV_COMPLETE=complete_bash" in shown.stdout
    assert "complete -o default -F _reproenv_completion reproenv" in shown.stdout
    assert "--install-completion" in cli("--help", cwd=tmp_path).stdout
    # what the installed script asks at each <TAB>
    words = {"_REPROENV_COMPLETE": "complete_bash", "COMP_CWORD": "1", "COMP_WORDS": "reproenv lo"}
    assert cli(cwd=tmp_path, env=words).stdout.split() == ["lock"]
    words.update(COMP_CWORD="2", COMP_WORDS="reproenv lock --up")
    assert cli(cwd=tmp_path, env=words).stdout.split() == ["--upgrade", "--upgrade-package"]
