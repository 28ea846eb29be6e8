"""Builder detection against fake docker executables (shell scripts at the CLI seam)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reproenv.engine import Builder, DockerEngine
from reproenv.errors import ExitCode, ReproenvError


def fake_docker(folder: Path, client: str, *, server: bool = True, buildx: bool = False) -> str:
    server_json = f'{{"Version":"{client}"}}' if server else "null"
    script = folder / "docker"
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        f'  version) echo \'{{"Client":{{"Version":"{client}"}},"Server":{server_json}}}\'; '
        f"{'exit 0' if server else 'echo Cannot connect to the Docker daemon >&2; exit 1'};;\n"
        f"  buildx) {'echo github.com/docker/buildx v0.13.1; exit 0' if buildx else 'exit 1'};;\n"
        "esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.parametrize(
    ("client", "buildx", "expected"),
    [
        ("28.2.2", True, Builder.BUILDX),
        ("20.10.24", False, Builder.BUILDKIT),  # old client: the engine's built-in BuildKit
        ("28.2.2", False, Builder.LEGACY),  # new client without buildx refuses BuildKit
    ],
)
def test_builder_detection(tmp_path: Path, client: str, buildx: bool, expected: Builder) -> None:
    engine = DockerEngine(fake_docker(tmp_path, client, buildx=buildx), env=dict(os.environ))
    info = engine.info()
    assert info.builder is expected
    assert info.client_version == client
    assert expected.supports_mounts is (expected is not Builder.LEGACY)


def test_engine_down_is_an_environment_error(tmp_path: Path) -> None:
    engine = DockerEngine(fake_docker(tmp_path, "28.2.2", server=False), env=dict(os.environ))
    with pytest.raises(ReproenvError) as caught:
        engine.info()
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert caught.value.reference == "docker-engine-unavailable"
    assert "Cannot connect" in caught.value.message


def test_missing_executable(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        DockerEngine(str(tmp_path / "nope")).info()
    assert caught.value.reference == "docker-not-found"
