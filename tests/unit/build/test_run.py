"""`reproenv run` / `shell`: the docker run argument list, against a fake docker that records
its argv and stdin (the engine's seam), and the options as the CLI parses them."""

from __future__ import annotations

import os
import pty
import shutil
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reproenv.cli import run_cmd
from reproenv.cli.main import app
from reproenv.cli.run_cmd import RunRequest, host_path, identity, run_options
from reproenv.cli.shell import SHELL_COMMAND
from reproenv.engine import DockerEngine, RunOptions, run_arguments, terminal_modes
from reproenv.errors import ExitCode, ReproenvError
from tests.fakes.plans import make_build_plan

DIGEST = "sha256:" + "ee" * 32
PLAN = make_build_plan(digest=DIGEST)


def recording_docker(folder: Path, exit_code: int = 0) -> tuple[str, Path, Path]:
    """A docker that writes one argument a line, copies its stdin, and exits as told."""
    args, stdin = folder / "args.log", folder / "stdin.log"
    script = folder / "docker"
    script.write_text(
        f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {args}\n'
        f"cat > {stdin}\nexit {exit_code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), args, stdin


def test_engine_run_forwards_stdin_and_passes_the_exit_code(tmp_path: Path) -> None:
    docker, args_log, stdin_log = recording_docker(tmp_path, exit_code=7)
    options = RunOptions(workdir="/workspace", interactive=True)
    code = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom reproenv.engine import DockerEngine, RunOptions\n"
         f"sys.exit(DockerEngine({docker!r}).run('img:1', ['cat'], {options!r}))"],
        input="hi\n", text=True, check=False,
    ).returncode  # fmt: skip
    assert code == 7
    assert stdin_log.read_text() == "hi\n"
    expected = ["run", "--rm", "-i", "-w", "/workspace", "img:1", "cat"]
    assert args_log.read_text().splitlines() == expected


def test_ctrl_c_is_left_to_docker_and_the_exit_code_stays_the_commands(tmp_path: Path) -> None:
    """docker passes SIGINT on to the container; reproenv waits for the code it ends with."""
    docker = tmp_path / "docker"
    docker.write_text("#!/bin/sh\nkill -INT $PPID\nsleep 0.5\nexit 42\n")
    docker.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom reproenv.engine import DockerEngine, RunOptions\n"
         f"sys.exit(DockerEngine({str(docker)!r}).run('img:1', [], RunOptions(workdir='/w')))"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (42, "")


def test_engine_run_hands_every_option_to_docker(tmp_path: Path) -> None:
    docker, args_log, _ = recording_docker(tmp_path)
    options = RunOptions(
        workdir="/workspace",
        mounts={Path("/home/u/proj"): "/workspace"},
        gpus=True,
        user="1234:1234",
        env=("HOME=/home/app", "A=1", "TOKEN"),
        volumes=("/data:/data:ro", "cache:/cache"),
        publish=("8000:8000", "127.0.0.1:9000:90/udp"),
        tmpfs=("/home/app:rw,exec,uid=1234,gid=1234,mode=0700",),
        network="host",
        interactive=True,
        tty=True,
    )
    assert DockerEngine(docker).run("img:1", ["python", "-V"], options) == 0
    assert args_log.read_text().splitlines() == [
        "run", "--rm", "-i", "-t", "--user", "1234:1234", "-w", "/workspace",
        "-v", "/home/u/proj:/workspace",
        "--tmpfs", "/home/app:rw,exec,uid=1234,gid=1234,mode=0700",
        "-v", "/data:/data:ro", "-v", "cache:/cache",
        "-e", "HOME=/home/app", "-e", "A=1", "-e", "TOKEN",
        "-p", "8000:8000", "-p", "127.0.0.1:9000:90/udp",
        "--network", "host", "--gpus", "all",
        "img:1", "python", "-V",
    ]  # fmt: skip


def test_no_tty_and_no_stdin_flags_unless_asked() -> None:
    args = run_arguments("img:1", [], RunOptions(workdir="/w"))
    assert args == ["run", "--rm", "-w", "/w", "img:1"]


def test_terminal_modes_pipe_file_terminal_and_closed(tmp_path: Path) -> None:
    read, write = os.pipe()
    data = tmp_path / "data"
    data.write_text("x")
    primary, secondary = pty.openpty()
    try:
        assert terminal_modes(read, write) == (True, False)  # `echo hi | reproenv run -- cat`
        with data.open() as handle:  # `reproenv run -- cmd < data`
            assert terminal_modes(handle.fileno(), write) == (True, False)
        assert terminal_modes(secondary, secondary) == (True, True)  # a person at a terminal
        assert terminal_modes(secondary, write) == (True, False)  # output to a file: no TTY
        assert terminal_modes(read, secondary) == (True, False)  # docker -t needs a TTY stdin
        closed = os.dup(read)
        os.close(closed)
        assert terminal_modes(closed, write) == (False, False)
    finally:
        for fd in (read, write, primary, secondary):
            os.close(fd)


def test_the_container_runs_as_the_invoking_user_with_a_home_of_its_own() -> None:
    user, env, tmpfs = identity(1234, 1234, image_user="app", image_uid=1000)
    assert user == "1234:1234"
    assert env[0] == "HOME=/home/app"
    assert env[1].startswith("USER=")
    assert tmpfs == ("/home/app:rw,exec,uid=1234,gid=1234,mode=0700",)
    # the image's own uid keeps the image's home; the host group still applies
    assert identity(1000, 100, image_user="app", image_uid=1000) == (
        "1000:100",
        ("HOME=/home/app",),
        (),
    )
    # root runs as root, so a root-owned (CI) checkout is read and written as on the host
    root_user, root_env, root_tmpfs = identity(0, 0, image_user="app", image_uid=1000)
    assert root_user == "0:0"
    assert root_env == ("HOME=/home/app", "USER=root")
    assert root_tmpfs == ("/home/app:rw,exec,uid=0,gid=0,mode=0700",)


def test_run_options_from_a_request(tmp_path: Path) -> None:
    request = RunRequest(
        env=("A=1", "TOKEN", "HOME=/elsewhere"),
        volumes=("./data:/data:ro", "/abs:/abs", "named:/n", "/anonymous"),
        publish=("8000:8000",),
        network="none",
    )
    options = run_options(PLAN, tmp_path / "proj", request, uid=1234, gid=4321, cwd=tmp_path)
    assert options.user == "1234:4321"
    assert options.mounts == {tmp_path / "proj": "/workspace"}
    assert options.workdir == "/workspace"
    # reproenv's HOME first, so the user's -e HOME (docker keeps the last) wins
    assert options.env[0] == "HOME=/home/app" and options.env[-3:] == request.env
    assert options.volumes == (f"{tmp_path}/data:/data:ro", "/abs:/abs", "named:/n", "/anonymous")
    assert options.publish == ("8000:8000",)
    assert options.network == "none"
    assert options.tmpfs == ("/home/app:rw,exec,uid=1234,gid=4321,mode=0700",)
    assert options.gpus is False
    explicit = run_options(PLAN, tmp_path, replace(request, user="app"), uid=1234, gid=1)
    assert (explicit.user, explicit.tmpfs, explicit.env) == ("app", (), request.env)


def test_home_relative_volume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert host_path("~/models:/models", Path("/x")) == f"{tmp_path}/models:/models"
    assert host_path("../up:/up", tmp_path / "a") == f"{tmp_path}/up:/up"


def test_an_env_without_a_name_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        run_options(PLAN, tmp_path, RunRequest(env=("=x",)), uid=1, gid=1)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "--env" in caught.value.message and "KEY=VALUE" in caught.value.hint


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, list[str], RunRequest]]:
    calls: list[tuple[Path, list[str], RunRequest]] = []

    def fake_launch(
        project: Path, docker: str | None, command: list[str], req: RunRequest, **_: object
    ) -> int:
        calls.append((project, command, req))
        return 5

    monkeypatch.setattr(run_cmd, "launch", fake_launch)
    return calls


def invoke(*args: str) -> int:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code


def test_run_options_parse_as_docker_run(
    launched: list[tuple[Path, list[str], RunRequest]], tmp_path: Path
) -> None:
    code = invoke(
        "run", "--project", str(tmp_path), "-p", "8000:8000", "--publish", "9000:90",
        "-e", "A=1", "--env", "B", "-v", "/d:/d", "--volume", "/e:/e", "--network", "host",
        "--cpu", "-u", "1000:1000", "--", "python", "-p", "x",
    )  # fmt: skip
    assert code == 5  # the command's exit code
    project, command, request = launched[0]
    assert project == tmp_path
    assert command == ["python", "-p", "x"]
    assert request == RunRequest(
        cpu=True,
        env=("A=1", "B"),
        volumes=("/d:/d", "/e:/e"),
        publish=("8000:8000", "9000:90"),
        network="host",
        user="1000:1000",
    )


def test_shell_takes_the_same_options_and_picks_bash_else_sh(
    launched: list[tuple[Path, list[str], RunRequest]], tmp_path: Path
) -> None:
    assert invoke("shell", "--project", str(tmp_path), "-p", "8888:8888", "-e", "A=1") == 5
    project, command, request = launched[0]
    assert project == tmp_path
    assert command == SHELL_COMMAND
    assert request == RunRequest(env=("A=1",), publish=("8888:8888",))
    # the script itself: bash where it exists, sh otherwise
    for shells, expected in ((("sh",), "sh"), (("sh", "bash"), "bash")):
        folder = tmp_path / expected
        folder.mkdir()
        for name in shells:
            found = shutil.which(name)
            assert found, f"{name} is needed for this test"
            (folder / name).symlink_to(found)
        ran = subprocess.run(
            [str(folder / "sh"), "-c", SHELL_COMMAND[2]], input="echo $0\n", text=True,
            capture_output=True, env={"PATH": str(folder)}, check=False,
        )  # fmt: skip
        assert ran.stdout.strip() == expected, ran.stderr
