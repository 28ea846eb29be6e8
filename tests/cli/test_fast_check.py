"""A repeated `lock --check` answers from the stamp the last full check left (cli/entry.py,
lock/stamp.py): the same output, without importing the CLI, and never when anything the full
check would look at differs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from reproenv.lock.stamp import stamp_path
from tests.cli.conftest import demo_project
from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex

SPEC = 'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'


@pytest.fixture
def project(cli: Cli, tmp_path: Path, demo_index: FakeIndex) -> Path:
    folder = demo_project(tmp_path / "demo", SPEC, demo_index)
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    return folder


HELPER = """[build-system]
requires = ["flit_core"]
build-backend = "flit_core.buildapi"

[project]
name = "helper"
version = "0.1"
dependencies = []
"""


@pytest.fixture
def with_local_project(cli: Cli, project: Path) -> Path:
    """The project with a local package of its own, `./libs/helper`, among its inputs."""
    (project / "libs" / "helper").mkdir(parents=True)
    (project / "libs" / "helper" / "pyproject.toml").write_text(HELPER)
    _append("more.in", "./libs/helper\n")(project)  # type: ignore[operator]
    result = cli("lock", cwd=project)
    assert result.code == 0, result.output
    return project


def imported(cli: Cli, project: Path, *args: str) -> tuple[int, set[str]]:
    """The exit code and the modules a `reproenv` run imported."""
    result = cli(*args, cwd=project, env={"PYTHONPROFILEIMPORTTIME": "1"})
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "package" not in line
    }
    return result.code, modules


def stamp_of(cli: Cli, project: Path) -> Path:
    path = stamp_path(project.resolve(), cli.env)
    assert path is not None
    return path


@pytest.mark.parametrize("args", [(), ("--json",), ("--project", "."), ("--json", "-p", ".")])
def test_the_second_check_answers_from_the_stamp_with_the_same_output(
    cli: Cli, project: Path, args: tuple[str, ...]
) -> None:
    first = cli("lock", "--check", *args, cwd=project)
    assert first.code == 0, first.output
    assert stamp_of(cli, project).is_file()
    second = cli("lock", "--check", *args, cwd=project)
    assert (second.code, second.stdout, second.stderr) == (0, first.stdout, first.stderr)
    code, modules = imported(cli, project, "lock", "--check", *args)
    assert code == 0
    assert not {"typer", "pydantic", "rich", "reproenv.cli.main"} & modules
    assert "reproenv.lock.stamp" in modules


def test_the_stamp_is_in_the_cache_never_the_project(cli: Cli, project: Path) -> None:
    before = sorted(p.name for p in project.iterdir())
    assert cli("lock", "--check", cwd=project).code == 0
    assert sorted(p.name for p in project.iterdir()) == before
    stamp = stamp_of(cli, project)
    assert stamp.is_relative_to(Path(cli.env["REPROENV_CACHE_DIR"]))
    assert stamp.stat().st_mode & 0o077 == 0


def _append(name: str, text: str) -> object:
    def edit(project: Path) -> None:
        with (project / name).open("a") as handle:
            handle.write(text)

    return edit


def _create(name: str, text: str) -> object:
    return lambda project: (project / name).write_text(text)


def _remove(name: str) -> object:
    return lambda project: (project / name).unlink()


def _downgrade(project: Path) -> None:
    export = project / "requirements.lock"
    export.write_text(export.read_text().replace("lib==1.0", "lib==0.9"))


EDITS = {
    "a requirement added": (_append("requirements.in", "extra\n"), 1, "is stale"),
    "an included file edited": (_append("more.in", "extra\n"), 1, "is stale"),
    "the spec edited": (_create("reproenv.toml", 'python = "3.12"\n' + SPEC), 1, "is stale"),
    "a .python-version created": (_create(".python-version", "3.12\n"), 1, "is stale"),
    "an environment.yml created": (
        _create("environment.yml", "dependencies:\n  - pytorch-cuda=12.1\n"),
        1,
        "is stale",
    ),
    "requirements.lock re-laid out": (_append("requirements.lock", "# x\n"), 0, "another layout"),
    "a pin in requirements.lock edited": (_downgrade, 1, "does not match"),
    "requirements.lock removed": (_remove("requirements.lock"), 0, "is missing"),
    "reproenv.lock removed": (_remove("reproenv.lock"), 1, "is missing"),
}


@pytest.mark.parametrize("change", list(EDITS))
def test_any_change_the_full_check_sees_is_seen(cli: Cli, project: Path, change: str) -> None:
    edit, code, said = EDITS[change]
    assert cli("lock", "--check", cwd=project).code == 0
    edit(project)  # type: ignore[operator]
    result = cli("lock", "--check", cwd=project)
    assert result.code == code, result.output
    assert said in result.stderr


def test_a_local_projects_metadata_counts_and_its_code_does_not(
    cli: Cli, with_local_project: Path
) -> None:
    project = with_local_project
    assert cli("lock", "--check", cwd=project).code == 0
    (project / "libs" / "helper" / "helper.py").write_text("print('code')\n")
    code, modules = imported(cli, project, "lock", "--check")
    assert code == 0 and "typer" not in modules
    _append("libs/helper/pyproject.toml", "# a change\n")(project)  # type: ignore[operator]
    result = cli("lock", "--check", cwd=project)
    assert result.code == 1 and "is stale" in result.stderr


def test_another_setting_or_command_line_runs_the_full_check(cli: Cli, project: Path) -> None:
    assert cli("lock", "--check", cwd=project).code == 0
    setting = {"REPROENV_HTTP_TIMEOUT": "7", "PYTHONPROFILEIMPORTTIME": "1"}
    result = cli("lock", "--check", cwd=project, env=setting)
    assert result.code == 0 and "typer" in result.stderr
    for args in (("--check", "--check"), ("--check", "-U"), ("--check", "-p")):
        _, modules = imported(cli, project, "lock", *args)
        assert "typer" in modules, args


@pytest.mark.parametrize(
    "content", [b"", b"\xff\xfe\x00garbage", b"{" * 100_000, b'{"schema": 1}', b"[]"]
)
def test_a_damaged_stamp_is_ignored(cli: Cli, project: Path, content: bytes) -> None:
    assert cli("lock", "--check", cwd=project).code == 0
    stamp_of(cli, project).write_bytes(content)
    result = cli("lock", "--check", cwd=project)
    assert result.code == 0, result.output
    assert "Traceback" not in result.output
    assert result.stderr == "reproenv: reproenv.lock is up to date\n"


def test_a_stale_check_leaves_no_stamp(cli: Cli, project: Path) -> None:
    _append("requirements.in", "extra\n")(project)  # type: ignore[operator]
    assert cli("lock", "--check", cwd=project).code == 1
    assert not stamp_of(cli, project).exists()


@pytest.mark.parametrize("local", [False, True], ids=["index packages", "a local project"])
def test_the_stamp_lists_every_file_the_full_check_looks_at(
    cli: Cli,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    local: bool,
    request: pytest.FixtureRequest,
) -> None:
    """What the check opens or stats, recorded as it runs in-process: a new input read by
    the check and missing from check_inputs() fails here."""
    if local:
        request.getfixturevalue("with_local_project")
    from reproenv.lock.state import check_inputs, check_lock
    from reproenv.spec.load import load_spec

    seen: set[str] = set()
    recording = [False]

    def hook(event: str, args: tuple[object, ...]) -> None:
        wanted = recording[0] and event in ("open", "os.listdir", "os.scandir") and args
        if wanted and isinstance(args[0], str | bytes | os.PathLike):
            seen.add(os.fsdecode(args[0]))

    sys.addaudithook(hook)
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if recording[0] and isinstance(path, str | bytes | os.PathLike):
            seen.add(os.fsdecode(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setenv("REPROENV_REGISTRY_MIRROR", cli.env["REPROENV_REGISTRY_MIRROR"])
    recording[0] = True
    try:
        spec = load_spec(project)
        found = check_lock(spec)
        assert found.state.value == "fresh"
        assert found.exports is not None
    finally:
        recording[0] = False
    root = project.resolve()
    looked_at = {Path(p).resolve() for p in seen if Path(p).resolve().is_relative_to(root)}
    inputs = check_inputs(spec)
    assert looked_at - {root} <= {p.resolve() for p in inputs}
    assert {"reproenv.toml", "more.in", "reproenv.lock"} <= {p.name for p in looked_at}
