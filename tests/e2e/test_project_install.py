"""Real engine, real local registry: a pyproject project with a src layout and a console script,
kept beside its own Dockerfile and .dockerignore, is built and its script runs in the image."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost

pytestmark = [pytest.mark.docker, pytest.mark.network]

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo-app"
version = "0.2.0"
requires-python = ">=3.11"
dependencies = []

[project.scripts]
demo-hello = "demo_app.cli:main"
"""
CLI = """\
from importlib.metadata import version


def main() -> None:
    print(f"hello from demo-app {version('demo-app')}")
"""


@dataclass(frozen=True)
class Built:
    project: Path
    tag: str
    cli: Cli


@pytest.fixture(scope="module")
def built(engine_cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = tmp_path_factory.mktemp("pyproject-src") / "demo-app"
    package = project / "src" / "demo_app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text(CLI)
    (project / "pyproject.toml").write_text(PYPROJECT)
    # the project's own files, as yolov5 keeps them: weights stay out of its context
    (project / "Dockerfile").write_text("FROM python:3.11\nCOPY . /app\n")
    (project / ".dockerignore").write_text("*.pt\n*.lock\n")
    (project / "weights.pt").write_bytes(b"\0" * 1024)
    cli = engine_cli
    assert cli("init", cwd=project).code == 0
    spec = (project / "reproenv.toml").read_text()
    assert 'dockerfile = ".reproenv/Dockerfile"' in spec and "pyproject = true" in spec
    for step in ("lock", "build"):
        result = cli(step, cwd=project)
        assert result.code == 0, f"reproenv {step} failed:\n{result.output}"
    lock_hash = hashlib.sha256((project / "reproenv.lock").read_bytes()).hexdigest()
    return Built(project, f"demo-app:{lock_hash[:12]}", cli)


def test_console_script_of_a_src_layout_runs_in_the_image(built: Built) -> None:
    result = built.cli("run", "--", "demo-hello", cwd=built.project)
    assert result.code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "hello from demo-app 0.2.0"
    # imported from the venv (installed, not editable), not from the mounted source
    where = built.cli(
        "run", "--", "python", "-c", "import demo_app; print(demo_app.__file__)", cwd=built.project
    )
    assert where.code == 0, where.output
    assert where.stdout.strip().startswith("/opt/venv/lib/python3.11/site-packages/demo_app/")


def test_the_build_backend_came_from_the_lock(built: Built) -> None:
    lock = (built.project / "requirements.lock").read_text()
    assert re.search(r"^hatchling==\S+ \\\n    --hash=sha256:", lock, re.MULTILINE), lock
    assert 'local-projects = [\n    ".",\n]' in (built.project / "reproenv.lock").read_text()


def test_own_files_kept_and_their_ignore_rules_applied(
    built: Built, docker_host: DockerHost
) -> None:
    assert (built.project / "Dockerfile").read_text() == "FROM python:3.11\nCOPY . /app\n"
    assert (built.project / ".dockerignore").read_text() == "*.pt\n*.lock\n"
    listing = docker_host("run", "--rm", built.tag, "ls", "-a", "/workspace").stdout.split()
    assert "weights.pt" not in listing  # the project's rule, merged
    assert "reproenv.lock" not in listing  # the project's *.lock rule still holds ...
    assert "requirements.lock" in listing  # ... except for what the build needs
    assert "pyproject.toml" in listing and ".reproenv" in listing


def legacy_client(docker_host: DockerHost) -> str | None:
    """A docker client of 23.0 or later without buildx: reproenv drives the legacy builder."""
    for candidate in dict.fromkeys(filter(None, (shutil.which("docker"), "/usr/local/bin/docker"))):
        if not Path(candidate).is_file() or candidate == docker_host.executable:
            continue
        version = subprocess.run(
            [candidate, "version", "--format", "{{.Client.Version}}"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
        buildx = subprocess.run([candidate, "buildx", "version"], capture_output=True, check=False)
        if version and int(version.split(".")[0]) >= 23 and buildx.returncode != 0:
            return candidate
    return None


def test_legacy_builder_applies_the_output_folders_ignore_rules(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    client = legacy_client(docker_host)
    if client is None:
        pytest.skip("no docker client without buildx (23.0 or later) to drive the legacy builder")
    project = tmp_path / "legacy-own-files"
    project.mkdir()
    (project / "train.py").write_text("print('trained')\n")
    (project / "weights.pt").write_bytes(b"\0" * 64)
    (project / ".env").write_text("TOKEN=do-not-ship\n")
    (project / ".dockerignore").write_text("*.pt\n")  # the project's rule; no .env rule in it
    (project / "reproenv.toml").write_text(
        'name = "legacy-own-files"\ncommand = ["python3", "train.py"]\n'
        '[image]\ndockerfile = ".reproenv/Dockerfile"\n'
    )
    result = engine_cli("build", "--docker", client, cwd=project)
    assert result.code == 0, result.output
    assert "with legacy" in result.stderr and "filtered by those rules" in result.stderr
    lock_hash = hashlib.sha256((project / "reproenv.lock").read_bytes()).hexdigest()
    tag = f"legacy-own-files:{lock_hash[:12]}"
    listing = docker_host("run", "--rm", tag, "ls", "-a", "/workspace").stdout.split()
    assert "train.py" in listing and "reproenv.toml" in listing
    assert "weights.pt" not in listing  # the project's rule
    assert ".env" not in listing  # reproenv's rule, which the legacy builder never read itself
    assert ".reproenv-legacy.Dockerfile" not in listing


def test_source_change_rebuild_reuses_the_dependency_layers(
    built: Built, docker_host: DockerHost
) -> None:
    def layers() -> list[str]:
        out = docker_host("image", "inspect", "--format", "{{json .RootFS.Layers}}", built.tag)
        return list(json.loads(out.stdout))

    before = layers()
    cli_py = built.project / "src" / "demo_app" / "cli.py"
    cli_py.write_text(cli_py.read_text().replace("hello from", "hi again from"))
    assert built.cli("lock", "--check", cwd=built.project).code == 0  # code is not a lock input
    result = built.cli("build", cwd=built.project)
    assert result.code == 0, result.output
    after = layers()
    # the source copy and the project install change; every layer before them is reused
    assert len(after) == len(before)
    assert after[:-2] == before[:-2]
    assert after[-2:] != before[-2:]
    ran = built.cli("run", "--", "demo-hello", cwd=built.project)
    assert ran.stdout.strip().splitlines()[-1] == "hi again from demo-app 0.2.0", ran.output
