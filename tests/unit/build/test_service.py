"""`build_image` against a fake docker that records what it was asked to do."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest

from reproenv.build.context import LEGACY_DOCKERFILE
from reproenv.build.service import base_image_arg, build_image, legacy_ignore_note
from reproenv.engine import Builder, DockerEngine, EngineInfo
from tests.fakes.plans import make_build_plan

DIGEST = "sha256:" + "ee" * 32
PLAN = make_build_plan(digest=DIGEST)


def recording_docker(folder: Path) -> tuple[str, Path]:
    log = folder / "calls.log"
    script = folder / "docker"
    # record argv, the BuildKit switch, and the Dockerfile handed over with -f
    script.write_text(
        "#!/bin/sh\n"
        f'echo "DOCKER_BUILDKIT=$DOCKER_BUILDKIT $*" >> {log}\n'
        'while [ $# -gt 0 ]; do [ "$1" = -f ] && cat "$2" >> ' + str(log) + "; shift; done\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), log


def test_mirror_build_arg_keeps_the_locked_digest() -> None:
    assert base_image_arg(PLAN, None) == {"BASE_IMAGE": f"docker.io/library/python@{DIGEST}"}
    assert base_image_arg(PLAN, "127.0.0.1:5055") == {
        "BASE_IMAGE": f"127.0.0.1:5055/library/python@{DIGEST}"
    }
    assert base_image_arg(PLAN, "harbor.example.org/hub") == {
        "BASE_IMAGE": f"harbor.example.org/hub/library/python@{DIGEST}"
    }


@pytest.mark.parametrize("builder", [Builder.BUILDKIT, Builder.BUILDX])
def test_buildkit_builds_pass_the_ca_as_a_secret(tmp_path: Path, builder: Builder) -> None:
    executable, log = recording_docker(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    engine = DockerEngine(executable, env=dict(os.environ))
    info = EngineInfo(executable, "20.10.24", "20.10.24", builder)
    outcome = build_image(engine, info, PLAN, tmp_path, mirror="127.0.0.1:5055", ca_cert=ca)
    calls = log.read_text()
    assert outcome.ca_passed
    assert f"--secret id=reproenv-ca,src={ca}" in calls
    assert "DOCKER_BUILDKIT=1" in calls
    assert f"--build-arg BASE_IMAGE=127.0.0.1:5055/library/python@{DIGEST}" in calls
    assert f"-t demo:{'a' * 12}" in calls
    assert ("buildx build --load" in calls) is (builder is Builder.BUILDX)


def test_legacy_builds_get_a_dockerfile_without_mounts(tmp_path: Path) -> None:
    executable, log = recording_docker(tmp_path)
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    engine = DockerEngine(executable, env=dict(os.environ))
    info = EngineInfo(executable, "28.2.2", "28.2.2", Builder.LEGACY)
    outcome = build_image(engine, info, PLAN, tmp_path, mirror=None, ca_cert=ca)
    calls = log.read_text()
    assert not outcome.ca_passed
    assert "DOCKER_BUILDKIT=0" in calls
    assert "--secret" not in calls
    assert "pip install --no-cache-dir --require-hashes" in calls  # the variant was handed over
    assert "--mount" not in calls


def test_buildkit_reads_the_dockerfile_from_the_output_folder(tmp_path: Path) -> None:
    executable, log = recording_docker(tmp_path)
    project = tmp_path / "project"
    (project / ".reproenv").mkdir(parents=True)
    (project / ".reproenv" / "Dockerfile").write_text("FROM scratch\n# from the folder\n")
    (project / "Dockerfile").write_text("FROM the-projects-own\n")
    plan = make_build_plan(digest=DIGEST, dockerfile=".reproenv/Dockerfile")
    engine = DockerEngine(executable, env=dict(os.environ))
    info = EngineInfo(executable, "20.10.24", "20.10.24", Builder.BUILDKIT)
    build_image(engine, info, plan, project, mirror=None, ca_cert=None)
    calls = log.read_text()
    # the context stays the project root; BuildKit finds .reproenv/Dockerfile.dockerignore
    assert f"-f {project}/.reproenv/Dockerfile -t demo:{'a' * 12} {project}\n" in calls
    assert "# from the folder" in calls and "the-projects-own" not in calls


def test_legacy_builds_from_an_output_folder_get_a_filtered_context_on_stdin(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    (project / ".reproenv").mkdir(parents=True)
    (project / ".reproenv" / "Dockerfile.dockerignore").write_text("*.pt\n")
    (project / ".dockerignore").write_text("# the project's: not what applies\n")
    (project / "w.pt").write_text("weights")
    (project / "train.py").write_text("print()")
    script = tmp_path / "docker"
    # record argv and keep the tar it is sent on stdin
    script.write_text(f'#!/bin/sh\necho "$*" > {tmp_path}/argv\ncat > {tmp_path}/stdin.tar\n')
    script.chmod(0o755)
    plan = make_build_plan(digest=DIGEST, dockerfile=".reproenv/Dockerfile")
    engine = DockerEngine(str(script), env=dict(os.environ))
    info = EngineInfo(str(script), "28.2.2", "20.10.24", Builder.LEGACY)
    build_image(engine, info, plan, project, mirror=None, ca_cert=None)
    argv = (tmp_path / "argv").read_text()
    assert argv.endswith(f"-f {LEGACY_DOCKERFILE} -t demo:{'a' * 12} -\n")
    with tarfile.open(tmp_path / "stdin.tar") as archive:
        names = set(archive.getnames())
        dockerfile = archive.extractfile(LEGACY_DOCKERFILE)
        assert dockerfile is not None and b"--mount" not in dockerfile.read()
    assert "train.py" in names and "w.pt" not in names
    note = legacy_ignore_note(plan)
    assert note is not None and ".reproenv/Dockerfile.dockerignore" in note
    assert legacy_ignore_note(PLAN) is None  # at the root it reads the generated .dockerignore


@pytest.mark.parametrize("builder", [Builder.BUILDKIT, Builder.BUILDX])
def test_an_own_dockerfile_is_built_with_everything_else_reproenvs(
    tmp_path: Path, builder: Builder
) -> None:
    executable, log = recording_docker(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text("FROM scratch\n# generated\n")
    own = project / "Dockerfile.unrepro"
    own.write_text("FROM scratch\nRUN date > /built-at\n")
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    plan = make_build_plan(digest=DIGEST, source_date_epoch=1709251200)
    engine = DockerEngine(executable, env=dict(os.environ))
    info = EngineInfo(executable, "26.1.5", "26.1.5", builder)
    outcome = build_image(
        engine, info, plan, project, mirror="127.0.0.1:5055", ca_cert=ca, dockerfile=own
    )
    calls = log.read_text()
    assert outcome.ca_passed and f"--secret id=reproenv-ca,src={ca}" in calls
    assert f"--build-arg BASE_IMAGE=127.0.0.1:5055/library/python@{DIGEST}" in calls
    assert "--build-arg SOURCE_DATE_EPOCH=1709251200" in calls
    assert f"-f {own} -t demo:{'a' * 12} {project}\n" in calls  # the project stays the context
    assert "RUN date > /built-at" in calls and "# generated" not in calls


def test_the_legacy_builder_takes_an_own_dockerfile_as_written(tmp_path: Path) -> None:
    executable, log = recording_docker(tmp_path)
    own = tmp_path / "Dockerfile.mine"
    own.write_text("FROM scratch\n# mine\n")
    plan = make_build_plan(digest=DIGEST, dockerfile=".reproenv/Dockerfile")
    engine = DockerEngine(executable, env=dict(os.environ))
    info = EngineInfo(executable, "28.2.2", "20.10.24", Builder.LEGACY)
    build_image(engine, info, plan, tmp_path, mirror=None, ca_cert=None, dockerfile=own)
    calls = log.read_text()
    assert f"-f {own} -t demo:{'a' * 12} {tmp_path}\n" in calls  # no filtered tar on stdin
    assert "# mine" in calls and "SOURCE_DATE_EPOCH" not in calls
