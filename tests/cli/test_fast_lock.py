"""A `reproenv lock` with only plain flags runs without typer (cli/entry.py): it reads its
command line as typer does, prints what the `lock` command prints, and leaves every other
command line to the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer

from reproenv.cli.entry import LOCK_FLAGS, lock_args
from reproenv.cli.main import app
from tests.cli.conftest import demo_project
from tests.cli.test_fast_check import EDITS, imported, stamp_of
from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex

SPEC = 'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'

READ_HERE = [
    (),
    ("--json",),
    ("-U",),
    ("--upgrade", "--explain-gpu"),
    ("--project", "sub"),
    ("-p", "sub", "--json"),
    ("--project=sub", "-U", "--explain-gpu", "--json"),
    ("--check",),
    ("--check", "--json", "-p", "."),
]
LEFT_TO_TYPER = [
    ("--backend", "uv"),
    ("-U", "--upgrade"),
    ("--json", "--json"),
    ("-p",),
    ("-p", "sub", "--project", "sub"),
    ("--project=",),
    ("--project", "missing"),
    ("--project", "--json"),
    ("-Uj",),
    ("--", "sub"),
    ("--upgrade-package", "lib"),
    ("--ca-cert", "ca.pem"),
    ("--help",),
]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("args", READ_HERE, ids=" ".join)
def test_a_command_line_read_here_is_read_as_typer_reads_it(
    folder: Path, args: tuple[str, ...]
) -> None:
    parsed = lock_args(["lock", *args])
    assert parsed is not None
    project, flags = parsed
    command = typer.main.get_group(app).commands["lock"]
    params = command.make_context("lock", list(args)).params
    assert Path(project) == params["project"]
    assert {name: name in flags for name in set(LOCK_FLAGS.values())} == {
        name: params[name] for name in set(LOCK_FLAGS.values())
    }


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_any_other_command_line_is_left_to_typer(folder: Path, args: tuple[str, ...]) -> None:
    assert lock_args(["lock", *args]) is None


def test_other_commands_and_shell_completion_are_left_to_typer(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert lock_args(["build"]) is None
    assert lock_args([]) is None
    monkeypatch.setenv("_REPROENV_COMPLETE", "bash_complete")
    assert lock_args(["lock"]) is None


@pytest.fixture
def project(tmp_path: Path, demo_index: FakeIndex) -> Path:
    return demo_project(tmp_path / "demo", SPEC, demo_index)


def test_a_plain_lock_locks_without_typer_and_says_what_the_command_says(
    cli: Cli, project: Path
) -> None:
    code, modules = imported(cli, project, "lock")
    assert code == 0
    assert not {"typer", "reproenv.cli.main"} & modules
    assert "reproenv.cli.lock_run" in modules
    assert (project / "reproenv.lock").is_file()
    # the same lock again, through typer (a flag read only there) and then without it
    through_typer = cli("lock", "--upgrade-package", "lib", cwd=project)
    plain = cli("lock", cwd=project)
    assert through_typer.code == plain.code == 0
    assert (plain.stdout, plain.stderr) == (through_typer.stdout, through_typer.stderr)
    assert plain.stderr.endswith("reproenv: reproenv.lock is up to date\n")


def test_a_plain_lock_reports_what_changed_as_json(cli: Cli, project: Path) -> None:
    result = cli("lock", "--json", "-p", str(project), cwd=project.parent)
    assert result.code == 0, result.output
    report = json.loads(result.stdout)
    assert [change["name"] for change in report["pip"]] == ["lib", "other"]


def test_a_plain_lock_turns_a_spec_error_into_its_message_and_exit_code(
    cli: Cli, project: Path
) -> None:
    (project / "reproenv.toml").write_text('name = "demo"\npython = [\n')
    code, modules = imported(cli, project, "lock")
    result = cli("lock", cwd=project)
    assert (code, result.code) == (2, 2)
    assert "typer" not in modules
    assert result.stderr.startswith("error (")
    assert "reproenv.toml" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("args", [(), ("--json",), ("-p", ".")], ids=" ".join)
def test_a_lock_with_nothing_to_change_answers_from_the_stamp_with_the_same_output(
    cli: Cli, project: Path, args: tuple[str, ...]
) -> None:
    assert cli("lock", cwd=project).code == 0  # writes the lock, and no stamp
    assert not stamp_of(cli, project).exists()
    full = cli("lock", *args, cwd=project)  # in full: finds nothing to change, and stamps
    assert stamp_of(cli, project).is_file()
    code, modules = imported(cli, project, "lock", *args)
    again = cli("lock", *args, cwd=project)
    assert code == 0 and not {"typer", "pydantic", "rich", "reproenv.spec.model"} & modules
    assert (again.code, again.stdout, again.stderr) == (0, full.stdout, full.stderr)
    assert full.stderr == "reproenv: reproenv.lock is up to date\n"


def test_the_check_s_stamp_answers_a_lock_and_the_lock_s_a_check(cli: Cli, project: Path) -> None:
    assert cli("lock", cwd=project).code == 0
    assert cli("lock", "--check", cwd=project).code == 0  # the full check stamps
    _, modules = imported(cli, project, "lock")
    assert "reproenv.spec.model" not in modules
    (project / "more.in").write_text("other\nextra\n")
    assert cli("lock", cwd=project).code == 0  # relocked: nothing stamped
    assert cli("lock", cwd=project).code == 0  # nothing to change: stamped by `lock`
    code, modules = imported(cli, project, "lock", "--check")
    assert code == 0 and "reproenv.spec.model" not in modules


def test_a_lock_with_warnings_runs_in_full_to_say_them_each_time(cli: Cli, project: Path) -> None:
    (project / "environment.yml").write_text("dependencies:\n  - numpy\n")
    assert cli("lock", cwd=project).code == 0
    assert cli("lock", "--check", cwd=project).code == 0  # a stamp, not a quiet one
    for _ in range(2):
        result = cli("lock", cwd=project)
        assert result.code == 0 and "environment.yml is not locked" in result.stderr
    _, modules = imported(cli, project, "lock")
    assert "reproenv.spec.model" in modules
    _, modules = imported(cli, project, "lock", "--check")  # said by `lock` only
    assert "reproenv.spec.model" not in modules


@pytest.mark.parametrize("change", list(EDITS))
def test_any_change_the_full_lock_sees_runs_it(cli: Cli, project: Path, change: str) -> None:
    assert cli("lock", cwd=project).code == 0
    assert cli("lock", cwd=project).code == 0  # stamped
    edit, _, _ = EDITS[change]
    edit(project)  # type: ignore[operator]
    _, modules = imported(cli, project, "lock")
    assert "reproenv.spec.model" in modules, change
