"""`reproenv run` and `shell` on the real engine, as `docker run` users expect them: the
container runs as the invoking user (here also a user whose uid is not the image's 1000, owning
a private 0700 project), stdin is forwarded, -e/-v/-p work, exit codes pass through. The
projects have no pip package, so each builds in seconds."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Cli, DockerHost, Result

pytestmark = [pytest.mark.docker]

REQUIRED = bool(os.environ.get("REPROENV_REQUIRE_DOCKER"))


def prerequisite(ok: bool, problem: str) -> None:
    """A missing prerequisite fails the suite where Docker tests are required (CI)."""
    if ok:
        return
    if REQUIRED:
        pytest.fail(f"REPROENV_REQUIRE_DOCKER is set but {problem}")
    pytest.skip(problem)


def tiny_project(folder: Path, name: str) -> Path:
    """The e2e builds' way (a spec beside requirements.in), without any package to install."""
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)  # whatever the umask
    (folder / "requirements.in").write_text("")
    (folder / "reproenv.toml").write_text(
        f'name = "{name}"\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    (folder / "data.txt").write_text("private data\n")
    (folder / "data.txt").chmod(0o600)
    return folder


@dataclass(frozen=True)
class OtherUser:
    """A throwaway user whose uid is not the image's, in the group that owns the engine's socket,
    running a copy of this checkout's reproenv from a venv it can read."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: Path
    python: Path
    env: dict[str, str]

    def _kwargs(self, cwd: Path, env: dict[str, str] | None) -> dict[str, Any]:
        return {
            "cwd": cwd,
            "env": {**self.env, **(env or {})},
            "user": self.uid,
            "group": self.gid,
            "extra_groups": list(self.groups),
            "text": True,
        }

    def __call__(
        self,
        *args: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        timeout: float = 600,
        **io: Any,
    ) -> Result:
        done = subprocess.run(
            [str(self.python), "-m", "reproenv", *args],
            capture_output=True,
            timeout=timeout,
            check=False,
            **self._kwargs(cwd, env),
            **io,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def shell(self, script: str, *, cwd: Path, timeout: float = 120) -> Result:
        """A shell line as the user types it; `$REPROENV` is this checkout's reproenv."""
        done = subprocess.run(
            ["/bin/sh", "-c", script],
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            **self._kwargs(cwd, {"REPROENV": f"{self.python} -m reproenv"}),
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def popen(self, *args: str, cwd: Path) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(self.python), "-m", "reproenv", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **self._kwargs(cwd, None),
        )


def free_uid() -> int:
    for uid in range(1234, 1300):
        try:
            pwd.getpwuid(uid)
        except KeyError:
            try:
                grp.getgrgid(uid)
            except KeyError:
                return uid
    raise AssertionError("no free uid between 1234 and 1299 for the test user")


def socket_group() -> int | None:
    """The group that may use the engine's unix socket (docker's `docker` group), if any."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return None
    path = Path(host.removeprefix("unix://"))
    prerequisite(path.exists(), f"the Docker socket {path} does not exist")
    info = path.stat()
    prerequisite(
        info.st_mode & 0o060 == 0o060,
        f"the Docker socket {path} is not group read-write: another user cannot reach the engine",
    )
    return info.st_gid


def run_as(uid: int, gid: int, groups: list[int], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        user=uid,
        group=gid,
        extra_groups=groups,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin"},
        cwd="/",
    )


def interpreter_for(uid: int, gid: int) -> str:
    """A system Python of this interpreter's version that the user can run (the dev venv's may
    live under a private home): the copied site-packages need the same minor version."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        f"/usr/bin/python{version}",
        f"/usr/local/bin/python{version}",
        "/usr/bin/python3",
    ]
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        probe = run_as(
            uid, gid, [], candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    prerequisite(False, f"no Python {version} that another user can run (tried {candidates})")
    raise AssertionError  # unreachable: prerequisite failed or skipped


def prepare_reproenv(home: Path, python: str, uid: int, gid: int) -> tuple[Path, dict[str, str]]:
    """A venv of the system Python with the dev venv's packages and uv copied in (no network),
    and this checkout's src on PYTHONPATH; all of it owned by the user."""
    venv = home / "venv"
    made = run_as(uid, gid, [], python, "-m", "venv", "--without-pip", str(venv))
    assert made.returncode == 0, f"venv for the test user failed:\n{made.stderr}"
    target = Path(
        run_as(
            uid, gid, [], str(venv / "bin" / "python"), "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ).stdout.strip()
    )  # fmt: skip
    ignore = shutil.ignore_patterns(
        "mypy", "mypyc", "*__mypyc*", "hypothesis", "_editable_impl_*", "__editable__*"
    )
    shutil.copytree(sysconfig.get_path("purelib"), target, ignore=ignore, dirs_exist_ok=True)
    uv = Path(sys.executable).parent / "uv"
    assert uv.exists(), f"uv is not beside {sys.executable}"
    shutil.copy2(uv, venv / "bin" / "uv")
    shutil.copytree(REPO / "src" / "reproenv", home / "src" / "reproenv")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(home / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "COLUMNS": "200",
        # its own temporary folder: one root made first (e.g. a shared lock folder created
        # under root's umask) must not decide what this user can do
        "TMPDIR": str(home / "tmp"),
    }
    (home / "tmp").mkdir()
    for name in ("REPROENV_DOCKER", "REPROENV_REGISTRY_MIRROR", "DOCKER_HOST"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    if os.environ.get("REPROENV_CA_CERT"):  # the user may not be able to read root's copy
        shutil.copy(os.environ["REPROENV_CA_CERT"], home / "ca.pem")
        env["REPROENV_CA_CERT"] = str(home / "ca.pem")
    for folder, _, files in os.walk(home):
        os.chown(folder, uid, gid)
        for file in files:
            os.chown(Path(folder) / file, uid, gid, follow_symlinks=False)
    return venv / "bin" / "python", env


@pytest.fixture(scope="module")
def other_user(docker_host: DockerHost) -> Iterator[OtherUser]:
    prerequisite(os.geteuid() == 0, "this test creates a user, which needs root (CI runs as root)")
    prerequisite(
        shutil.which("useradd") is not None and shutil.which("userdel") is not None,
        "useradd/userdel are missing (Debian's passwd package)",
    )
    group = socket_group()
    uid = free_uid()
    name = f"reproenv-e2e-{uid}"
    base = Path(tempfile.mkdtemp(prefix="reproenv-uid-", dir="/tmp"))
    base.chmod(0o755)  # the user's home lies below: it must be able to reach it
    home = base / "home"
    command = ["useradd", "--uid", str(uid), "--user-group", "--create-home"]
    command += ["--home-dir", str(home), "--shell", "/bin/sh"]
    if group is not None:
        command += ["--groups", grp.getgrgid(group).gr_name]
    created = subprocess.run([*command, name], capture_output=True, text=True, check=False)
    try:
        assert created.returncode == 0, f"useradd failed: {created.stderr}"
        gid = pwd.getpwnam(name).pw_gid
        python = interpreter_for(uid, gid)
        venv_python, env = prepare_reproenv(home, python, uid, gid)
        groups = () if group is None else (group,)
        yield OtherUser(name, uid, gid, groups, home, venv_python, env)
    finally:
        if created.returncode == 0:
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
            subprocess.run(["groupdel", name], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def user_project(other_user: OtherUser) -> Path:
    """A private (0700) project the user owns, built by the user."""
    project = tiny_project(other_user.home / "project", "run-as-user")
    for path in (project, *project.iterdir()):
        os.chown(path, other_user.uid, other_user.gid)
    built = other_user("build", cwd=project)
    assert built.code == 0, f"reproenv build as uid {other_user.uid} failed:\n{built.output}"
    return project


def test_a_private_project_is_read_and_written_as_its_owner(
    other_user: OtherUser, user_project: Path
) -> None:
    info = user_project.stat()
    assert (info.st_uid, info.st_mode & 0o777) == (other_user.uid, 0o700)
    script = (
        "cat data.txt && id -u && echo written > out.txt && mkdir -p results"
        ' && echo 1 > results/r.txt && touch "$HOME/.probe" && echo "home=$HOME"'
        " && python3 -c 'import getpass; print(\"user=\" + getpass.getuser())'"
    )
    result = other_user("run", "--", "sh", "-c", script, cwd=user_project, input="")
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["private data", str(other_user.uid)], result.output
    assert "home=/home/app" in lines  # writable, though the image's home belongs to uid 1000
    assert f"user={other_user.name}" in lines
    for written in (user_project / "out.txt", user_project / "results" / "r.txt"):
        assert written.stat().st_uid == other_user.uid, f"{written} is not the user's"
    assert (user_project / "out.txt").read_text() == "written\n"


def test_stdin_reaches_the_command(other_user: OtherUser, user_project: Path) -> None:
    piped = other_user.shell("echo hi | $REPROENV run -- cat", cwd=user_project)
    assert (piped.code, piped.stdout) == (0, "hi\n"), piped.output
    upper = "import sys; print(sys.stdin.read().upper(), end='')"
    with (user_project / "data.txt").open() as data:  # `reproenv run -- … < data`
        redirected = other_user("run", "--", "python3", "-c", upper, cwd=user_project, stdin=data)
    assert (redirected.code, redirected.stdout) == (0, "PRIVATE DATA\n"), redirected.output


def test_env_and_volumes(other_user: OtherUser, user_project: Path) -> None:
    shared = other_user.home / "shared"
    shared.mkdir()
    (shared / "in.txt").write_text("from the host\n")
    for path in (shared, shared / "in.txt"):
        os.chown(path, other_user.uid, other_user.gid)
    script = 'echo "$GREETING $FROM_HOST" && cat /shared/in.txt && echo back > /shared/out.txt'
    result = other_user(
        "run", "-e", "GREETING=hello", "--env", "FROM_HOST", "-v", "../shared:/shared",
        "--", "sh", "-c", script,
        cwd=user_project, env={"FROM_HOST": "host-value"}, input="",
    )  # fmt: skip
    assert result.code == 0, result.output
    assert result.stdout == "hello host-value\nfrom the host\n"
    assert (shared / "out.txt").read_text() == "back\n"
    assert (shared / "out.txt").stat().st_uid == other_user.uid


def test_network(other_user: OtherUser, user_project: Path) -> None:
    alone = other_user(
        "run", "--network", "none", "--", "ls", "/sys/class/net", cwd=user_project, input=""
    )
    assert (alone.code, alone.stdout) == (0, "lo\n"), alone.output  # no interface but loopback


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# serves the project folder for one request, and gives up by itself after 60 s
SERVER = (
    "import http.server\n"
    "class Quiet(http.server.SimpleHTTPRequestHandler):\n"
    "    def log_message(self, *args): pass\n"
    "server = http.server.HTTPServer(('0.0.0.0', 8000), Quiet)\n"
    "server.timeout = 60\n"
    "server.handle_request()\n"
)


def test_publish_reaches_a_server_in_the_container(
    other_user: OtherUser, user_project: Path
) -> None:
    port = free_port()
    server = other_user.popen(
        "run", "-p", f"127.0.0.1:{port}:8000", "--", "python3", "-c", SERVER, cwd=user_project
    )
    body = None
    try:
        deadline = time.monotonic() + 60
        while body is None and time.monotonic() < deadline and server.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/data.txt"
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)  # the container is starting, or the proxy has no backend yet
        code = server.wait(timeout=90)
    finally:
        if server.poll() is None:
            server.kill()
        _, stderr = server.communicate()
    assert body == "private data\n", stderr
    assert code == 0, stderr


def test_exit_codes_pass_through_and_shell_is_bash(
    other_user: OtherUser, user_project: Path
) -> None:
    failing = other_user("run", "--", "sh", "-c", "exit 7", cwd=user_project, input="")
    assert failing.code == 7, failing.output
    shell = other_user("shell", cwd=user_project, input='echo "$0 $(id -u) $HOME $PWD"; exit 3\n')
    assert shell.code == 3, shell.output
    assert shell.stdout == f"bash {other_user.uid} /home/app /workspace\n"


def test_whoever_runs_it_runs_as_itself(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    """As root (CI), the container runs as root: a root-owned private checkout is read and
    written, and what it writes is root's, as it would be on the host."""
    project = tiny_project(tmp_path / "project", "run-as-invoker")
    built = engine_cli("build", cwd=project)
    assert built.code == 0, built.output
    result = engine_cli(
        "run", "--", "sh", "-c", "cat data.txt; id -u; echo x > made.txt", cwd=project
    )
    assert result.code == 0, result.output
    assert result.stdout.splitlines() == ["private data", str(os.getuid())]
    assert (project / "made.txt").stat().st_uid == os.getuid()
