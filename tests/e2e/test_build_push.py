"""`build --push`: build, then publish to the spec's [publish] repository as `reproenv publish`
does; the reported digest is the registry's, and the image pulled by it is the build's. Without
a repository it is refused before anything is built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost, snapshot

pytestmark = pytest.mark.docker

SPEC = (
    'name = "build-push-e2e"\ncommand = ["python", "main.py"]\n'
    '[pip]\nrequirements = ["requirements.in"]\n'
)


def project_in(folder: Path, publish: str) -> Path:
    (folder / "requirements.in").write_text("")
    (folder / "main.py").write_text("print('pushed')\n")
    (folder / "reproenv.toml").write_text(SPEC + publish)
    return folder


def test_build_push_reports_the_pushed_digest(
    engine_cli: Cli, docker_host: DockerHost, tmp_path: Path
) -> None:
    repository = f"{docker_host.mirror}/reproenv-e2e/build-push"
    project = project_in(tmp_path, f'[publish]\nrepository = "{repository}"\n')
    done = engine_cli("build", "--push", cwd=project)
    assert done.code == 0, done.output
    (reference,) = done.stdout.split()
    assert reference.startswith(f"{repository}@sha256:")
    (record,) = [json.loads(p.read_text()) for p in (project / ".reproenv/publish").glob("*")]
    assert record["reference"] == reference
    built = docker_host("image", "inspect", "--format", "{{.Id}}", str(record["image-tag"]))
    pulled = docker_host("pull", reference, check=False)
    assert pulled.returncode == 0, pulled.stderr
    by_digest = docker_host("image", "inspect", "--format", "{{.Id}}", reference)
    assert by_digest.stdout == built.stdout


def test_build_push_without_a_repository_builds_nothing(engine_cli: Cli, tmp_path: Path) -> None:
    project = project_in(tmp_path, "")
    before = snapshot(project)
    refused = engine_cli("build", "--push", cwd=project)
    assert refused.code == 2, refused.output
    assert "publish.repository" in refused.output or "[publish] repository" in refused.output
    assert snapshot(project) == before  # not even locked


def test_push_and_check_reproducible_do_not_mix(engine_cli: Cli, tmp_path: Path) -> None:
    project = project_in(tmp_path, '[publish]\nrepository = "127.0.0.1:5055/x/y"\n')
    refused = engine_cli("build", "--push", "--check-reproducible", cwd=project)
    assert refused.code == 2, refused.output
    assert "--check-reproducible" in refused.stderr
