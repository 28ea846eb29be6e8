"""`build --check-reproducible` and `reproenv fingerprint` on a real engine: on Debian 12's
Docker 20.10 (no buildx, overlay2) the check takes the fingerprint fallback and says so; on the
modern engine (Docker 26, containerd image store, buildx) a deliberately unreproducible step
of a `--file` Dockerfile is named by the digest check."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost, ModernDockerHost, copy_example
from tests.e2e.test_sklearn_build import image_tag

pytestmark = [pytest.mark.docker, pytest.mark.network]

# RUN steps on the host's network: the same index either way, and no bridge needed
HOST_NETWORK = ("--network", "host")
FALLBACK = "this engine cannot rewrite timestamps: compared environment fingerprints instead"


@pytest.fixture(scope="module")
def project(engine_cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = copy_example("sklearn-cpu", tmp_path_factory.mktemp("reproducible"))
    for step in ("init", "lock"):
        result = engine_cli(step, cwd=folder)
        assert result.code == 0, f"reproenv {step} failed:\n{result.output}"
    return folder


def test_two_builds_agree_on_the_fingerprint_and_say_which_guarantee(
    project: Path, engine_cli: Cli, docker_host: DockerHost
) -> None:
    checked = engine_cli("build", "--check-reproducible", *HOST_NETWORK, cwd=project)
    assert checked.code == 0, checked.output
    assert FALLBACK in " ".join(checked.stderr.split())
    assert "cannot rewrite layer timestamps" in checked.stderr
    found = re.search(r"^reproducible: fingerprint (sha256:[0-9a-f]{64})$", checked.stdout, re.M)
    assert found, checked.output
    # a plain build of the same lock records the same fingerprint, and the command reads it
    built = engine_cli("build", "--fingerprint", *HOST_NETWORK, cwd=project)
    assert built.code == 0, built.output
    assert f"fingerprint {found.group(1)}" in built.stderr
    tag = image_tag(project)
    printed = engine_cli("fingerprint", tag, cwd=project)
    assert printed.code == 0 and printed.stdout.strip() == found.group(1), printed.output
    parts = json.loads(engine_cli("fingerprint", "--json", tag, cwd=project).stdout)
    assert parts["fingerprint"] == found.group(1)
    assert parts["venv"]["path"] == "/opt/venv" and parts["venv"]["count"] > 100
    assert parts["prefix"]["hash"] is None  # no conda environment in this example
    assert parts["apt"]["count"] > 10
    record = Path(engine_cli.env["REPROENV_CACHE_DIR"]) / "builds"
    image_id = json.loads(docker_host("image", "inspect", tag).stdout)[0]["Id"]
    saved = json.loads((record / f"{image_id.replace(':', '-')}.json").read_text())
    assert saved["fingerprint"] == found.group(1) and saved["tag"] == tag


def test_fingerprint_of_a_missing_image_is_an_input_error(engine_cli: Cli, tmp_path: Path) -> None:
    result = engine_cli("fingerprint", "reproenv-no-such-image:nothing", cwd=tmp_path)
    assert result.code == 2, result.output
    assert "image-missing" in result.stderr


@pytest.fixture(scope="module")
def modern_cli(
    modern_docker_host: ModernDockerHost, tmp_path_factory: pytest.TempPathFactory
) -> Cli:
    """reproenv against the modern engine, the local registry as the mirror."""
    env = dict(os.environ)
    env.update(
        modern_docker_host.env,
        REPROENV_DOCKER=modern_docker_host.executable,
        REPROENV_REGISTRY_MIRROR=modern_docker_host.mirror,
        REPROENV_CACHE_DIR=str(tmp_path_factory.mktemp("reproenv-cache")),
        COLUMNS="200",
    )
    return Cli(env)


def with_built_at(dockerfile: str) -> str:
    """The Dockerfile with `RUN date > /built-at` before its last USER (still root then)."""
    lines = dockerfile.splitlines(keepends=True)
    last_user = max(n for n, line in enumerate(lines) if line.startswith("USER "))
    return "".join([*lines[:last_user], "RUN date > /built-at\n", *lines[last_user:]])


def test_an_unreproducible_step_is_named_by_the_digest_check(
    modern_cli: Cli, tmp_path: Path
) -> None:
    """A `RUN date > /built-at` step lies outside what the fingerprint covers: only the
    digest path can name /built-at."""
    project = copy_example("sklearn-cpu", tmp_path)
    for step in ("init", "lock", "generate"):
        result = modern_cli(step, cwd=project)
        assert result.code == 0, f"reproenv {step} failed:\n{result.output}"
    generated = (project / "Dockerfile").read_text()
    (project / "Dockerfile.unrepro").write_text(with_built_at(generated))
    checked = modern_cli(
        "build", "--check-reproducible", "--file", "Dockerfile.unrepro", *HOST_NETWORK,
        cwd=project,
    )  # fmt: skip
    assert checked.code == 1, checked.output
    assert "building Dockerfile.unrepro as written" in checked.stderr
    assert "compared image digests" in checked.stderr
    assert re.search(r"^not reproducible: digest sha256:\S+ != sha256:\S+$", checked.stdout, re.M)
    differences = [line.strip() for line in checked.stdout.splitlines()[1:]]
    assert any(re.fullmatch(r"layer \d+: /built-at: content.*", d) for d in differences), (
        checked.output
    )
    # nothing else leaks the time: /built-at is the one file that differs (the config
    # differs only in the layers' digests it lists)
    files = [d for d in differences if d.startswith("layer ")]
    assert all("/built-at" in d for d in files), checked.output
    assert set(differences) - set(files) <= {"config: rootfs: differs"}, checked.output
    assert (project / "Dockerfile").read_text() == generated  # the generated one stays
