"""DockerEngine's registry commands against a stand-in docker client (a script that records its
arguments, stdin and DOCKER_CONFIG): the password only on stdin, refusals told apart."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reproenv.engine import DockerEngine
from reproenv.errors import ExitCode, ReproenvError

PASSWORD = "s3cret-pa55word"


def stand_in(tmp_path: Path, *, stderr: str = "", code: int = 0) -> tuple[DockerEngine, Path]:
    log = tmp_path / "calls.json"
    script = tmp_path / "docker"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"log = {str(log)!r}\n"
        "calls = json.load(open(log)) if os.path.exists(log) else []\n"
        "stdin = '' if sys.stdin.isatty() else sys.stdin.read()\n"
        "calls.append({'argv': sys.argv[1:], 'stdin': stdin,"
        " 'config': os.environ.get('DOCKER_CONFIG')})\n"
        "json.dump(calls, open(log, 'w'))\n"
        "print('progress')\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({code})\n"
    )
    script.chmod(0o755)
    env = {"PATH": os.environ["PATH"]}
    return DockerEngine(str(script), env), log


def calls(log: Path) -> list[dict[str, object]]:
    return list(json.loads(log.read_text()))


def test_login_passes_the_password_on_stdin_only(tmp_path: Path) -> None:
    engine, log = stand_in(tmp_path)
    folder = tmp_path / "auth"
    engine.login("127.0.0.1:5000", "ci", PASSWORD, auth_dir=folder)

    (call,) = calls(log)
    assert call["argv"] == ["login", "--username", "ci", "--password-stdin", "127.0.0.1:5000"]
    assert call["stdin"] == PASSWORD
    assert call["config"] == str(folder)


def test_push_and_pull_use_the_given_config_or_the_users(tmp_path: Path) -> None:
    engine, log = stand_in(tmp_path)
    engine.push("127.0.0.1:5000/a/b:t", auth_dir=tmp_path)
    engine.pull("127.0.0.1:5000/a/b@sha256:" + "0" * 64)
    engine.tag("demo:abc", "127.0.0.1:5000/a/b:t")

    pushed, pulled, tagged = calls(log)
    assert pushed["argv"] == ["push", "127.0.0.1:5000/a/b:t"] and pushed["config"] == str(tmp_path)
    assert pulled["argv"][0] == "pull" and pulled["config"] is None
    assert tagged["argv"] == ["tag", "demo:abc", "127.0.0.1:5000/a/b:t"]


@pytest.mark.parametrize(
    "stderr",
    [
        "unauthorized: authentication required\n",
        "denied: requested access to the resource is denied\n",
        "Error response from daemon: Get http://h/v2/: no basic auth credentials\n",
    ],
)
def test_a_refusal_is_registry_denied(tmp_path: Path, stderr: str) -> None:
    engine, _ = stand_in(tmp_path, stderr=stderr, code=1)
    with pytest.raises(ReproenvError) as caught:
        engine.push("127.0.0.1:5000/a/b:t")
    assert caught.value.reference == "registry-denied"
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert stderr.strip() in caught.value.message


def test_another_failure_is_registry_failed(tmp_path: Path) -> None:
    engine, _ = stand_in(tmp_path, stderr="dial tcp 127.0.0.1:9: connection refused\n", code=1)
    with pytest.raises(ReproenvError) as caught:
        engine.pull("127.0.0.1:9/a/b:t")
    assert caught.value.reference == "registry-failed"
    assert "connection refused" in caught.value.message
