"""Acceptance: a private index with basic auth works end to end, and its password appears in
no file reproenv wrote, no image layer and no output."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost
from tests.fakes.package_index import FakeIndex, FakePackage

pytestmark = [pytest.mark.docker]


def test_private_index_credentials_stay_secret(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    password = "pw-" + secrets.token_hex(12)
    private = [FakePackage("lab-private", "1.0"), FakePackage("lab-helper", "2.0")]
    private[0].requires.append("lab-helper>=2")
    with FakeIndex(private, username="lab", password=password, uv="binary").serve() as index:
        project = tmp_path / "private"
        project.mkdir()
        port = index.url.split(":")[2].split("/")[0]
        (project / "requirements.in").write_text(
            f"--index-url http://lab:${{LAB_INDEX_PASSWORD}}@127.0.0.1:{port}/simple\nlab-private\n"
        )
        (project / "reproenv.toml").write_text(
            'name = "private"\n[pip]\nrequirements = ["requirements.in"]\n'
        )
        cli = Cli({**engine_cli.env, "LAB_INDEX_PASSWORD": password})
        outputs = []
        for args in (("lock",), ("build", "--network", "host")):
            result = cli(*args, cwd=project)
            outputs.append(result.output)
            assert result.code == 0, result.output
        script = "import lab_private, lab_helper; print(lab_helper.__version__)"
        ran = cli("run", "--", "python", "-c", script, cwd=project)
        outputs.append(ran.output)
        assert ran.code == 0, ran.output
        assert ran.stdout.strip().endswith("2.0")
        # the build's pip authenticated against the index (through the netrc secret)
        assert any(auth for path, auth in index.requests if path.startswith("/files/"))

    assert f"http://127.0.0.1:{port}/simple" in (project / "requirements.lock").read_text()
    for path in project.rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace"), path
    for output in outputs:
        assert password not in output
    tag = next(line.split()[-1] for line in outputs[1].splitlines() if "built private:" in line)
    with subprocess.Popen([docker_host.executable, "save", tag], stdout=subprocess.PIPE) as save:
        assert save.stdout is not None
        tail = b""
        for chunk in iter(lambda: save.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
            assert password.encode() not in tail + chunk, "the password is in an image layer"
            tail = chunk[-64:]
    history = docker_host("history", "--no-trunc", tag).stdout
    assert password not in history
    assert password not in docker_host("image", "inspect", tag).stdout
