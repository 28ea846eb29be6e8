"""Podman's command lines, against a fake podman that records its arguments (the CLI seam)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reproenv.engine import Builder, open_engine
from reproenv.engine.podman import PodmanEngine
from reproenv.engine.protocol import RunOptions
from reproenv.errors import ExitCode, ReproenvError
from reproenv.settings import engine_name


def fake_podman(folder: Path, *, works: bool = True) -> tuple[str, Path]:
    log = folder / "args.log"
    script = folder / "podman"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" >> "{log}"\n'
        'case "$1" in\n'
        f"  info) {'echo' if works else 'echo cannot set up namespace >&2; exit 125; echo'}"
        """ '{"APIVersion":"4.3.1","Version":"4.3.1"}';;\n"""
        '  image) echo "Error: inspecting object: $3: image not known" >&2; exit 125;;\n'
        "esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), log


def test_info_reports_podman_with_buildah(tmp_path: Path) -> None:
    executable, log = fake_podman(tmp_path)
    info = PodmanEngine(executable, env=dict(os.environ)).info()
    assert (info.builder, info.client_version) == (Builder.BUILDAH, "4.3.1")
    assert info.builder.supports_mounts
    assert log.read_text().split("\n")[0] == "info --format {{json .Version}}"


def test_a_broken_podman_is_an_environment_error(tmp_path: Path) -> None:
    executable, _ = fake_podman(tmp_path, works=False)
    with pytest.raises(ReproenvError) as caught:
        PodmanEngine(executable, env=dict(os.environ)).info()
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert "cannot set up namespace" in caught.value.message
    assert "podman info" in caught.value.hint


def test_missing_podman_names_it(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        PodmanEngine(str(tmp_path / "nope")).info()
    assert "podman" in caught.value.message
    assert "--engine docker" in caught.value.hint


def test_build_passes_secrets_and_args_to_buildah(tmp_path: Path) -> None:
    executable, log = fake_podman(tmp_path)
    PodmanEngine(executable, env=dict(os.environ)).build(
        builder=Builder.BUILDAH,
        context=tmp_path,
        dockerfile=tmp_path / "Dockerfile",
        tag="demo:abc",
        platform="linux/amd64",
        build_args={"SOURCE_DATE_EPOCH": "1"},
        secrets={"ca": tmp_path / "ca.pem"},
        no_cache=True,
    )
    assert log.read_text().split() == [
        "build",
        "--format",
        "docker",
        "--platform",
        "linux/amd64",
        "--no-cache",
        "--secret",
        f"id=ca,src={tmp_path / 'ca.pem'}",
        "--build-arg",
        "SOURCE_DATE_EPOCH=1",
        "-f",
        str(tmp_path / "Dockerfile"),
        "-t",
        "demo:abc",
        str(tmp_path),
    ]


def test_missing_image_is_none(tmp_path: Path) -> None:
    executable, _ = fake_podman(tmp_path)
    assert PodmanEngine(executable, env=dict(os.environ)).image_inspect("nosuch") is None


@pytest.mark.parametrize(("rootless", "keep_id"), [(True, True), (False, False)])
def test_run_keeps_the_users_id_when_rootless(
    tmp_path: Path, rootless: bool, keep_id: bool
) -> None:
    executable, log = fake_podman(tmp_path)
    engine = PodmanEngine(executable, env=dict(os.environ), rootless=lambda: rootless)
    options = RunOptions(
        workdir="/app",
        mounts={tmp_path: "/app"},
        gpus=True,
        tmpfs=("/home/app:rw,exec,uid=1000,gid=1000,mode=0700", "/scratch"),
    )
    assert engine.run("demo:abc", ["python", "-V"], options) == 0
    args = log.read_text().split()
    assert args[:2] == ["run", "--rm"]
    assert ("--userns=keep-id" in args) is keep_id
    assert "--gpus" not in args
    assert args[args.index("--device") + 1] == "nvidia.com/gpu=all"
    assert args[-3:] == ["demo:abc", "python", "-V"]
    # podman's tmpfs has no uid=/gid=: U hands it to the container's user
    tmpfs = [args[at + 1] for at, value in enumerate(args) if value == "--tmpfs"]
    assert tmpfs == ["/home/app:rw,exec,mode=0700,U", "/scratch"]


def test_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPROENV_ENGINE", raising=False)
    monkeypatch.delenv("REPROENV_DOCKER", raising=False)
    only_podman = {"podman": "/usr/bin/podman"}.get
    assert engine_name(None, {}, which=only_podman) == "podman"  # detected: no docker
    assert engine_name(None, {}, which=lambda name: "/usr/bin/" + name) == "docker"
    assert engine_name(None, {"REPROENV_ENGINE": "podman"}) == "podman"
    assert engine_name("Docker", {"REPROENV_ENGINE": "podman"}) == "docker"  # --engine first
    assert open_engine(engine="podman") == PodmanEngine("podman")
    assert open_engine("/opt/podman", engine="podman") == PodmanEngine("/opt/podman")


def test_unknown_engine_is_a_user_error() -> None:
    with pytest.raises(ReproenvError) as caught:
        engine_name("lxc", {})
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "--engine" in caught.value.message
