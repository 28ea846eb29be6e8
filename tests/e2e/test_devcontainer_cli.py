"""The generated devcontainer under the official Dev Containers CLI (`@devcontainers/cli`, pinned
in tools/node): examples/sklearn-cpu with a `[devcontainer]` dev group and a Feature is built
(with `--frozen-lockfile`: the CLI's own resolution of the Feature must equal the
devcontainer-lock.json reproenv wrote from its lock), started and entered as VS Code would, from
the Dockerfile's `dev` stage; the runtime image `reproenv build` makes from the same Dockerfile
lacks the dev group.

The test bed reaches no public registry and intercepts TLS: the lock records the local registry
as holding the base (`reproenv mirror --record`, so devcontainer.json passes that digest as
BASE_IMAGE, as `reproenv build` pulls it), and the engine the CLI drives is a thin wrapper that
hands every build the bed's CA as the same secret `reproenv build` passes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.render.devcontainer import DEVCONTAINER_FILE, FEATURES_LOCK_FILE
from tests.conftest import REPO, Cli, DockerHost, copy_example

pytestmark = [pytest.mark.docker, pytest.mark.network]

DEV_TOOLS = ("pytest", "ruff")
# a Feature of this test's own, published to the local registry by the CLI itself; the CLI
# speaks plain HTTP to `localhost` only
FEATURE_REPOSITORY = "reproenv-e2e"
FEATURE_VERSION = "1.2.3"
GREETING = "hello from a pinned Feature"


def devcontainer_table(registry: str) -> str:
    feature = f"localhost:{registry.rsplit(':', 1)[1]}/{FEATURE_REPOSITORY}/greeting:1"
    return (
        f"\n[devcontainer]\ntools = {json.dumps(list(DEV_TOOLS))}\n"
        f'[devcontainer.features."{feature}"]\ntext = "{GREETING}"\n'
    )


def publish_feature(executable: Path, folder: Path, registry: str) -> None:
    source = folder / "src" / "greeting"
    source.mkdir(parents=True)
    metadata = {
        "id": "greeting",
        "version": FEATURE_VERSION,
        "name": "Greeting",
        "options": {"text": {"type": "string", "default": "hello"}},
    }
    (source / "devcontainer-feature.json").write_text(json.dumps(metadata), encoding="utf-8")
    install = source / "install.sh"
    install.write_text(
        "#!/bin/sh\nset -e\nprintf '%s\\n' \"$TEXT\" > /usr/local/share/greeting\n",
        encoding="utf-8",
    )
    install.chmod(0o755)
    port = registry.rsplit(":", 1)[1]
    published = subprocess.run(
        [str(executable), "features", "publish", "--registry", f"localhost:{port}",
         "--namespace", FEATURE_REPOSITORY, str(folder / "src")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert published.returncode == 0, published.stdout + published.stderr


def devcontainer_cli() -> Path | None:
    modules = Path(os.environ.get("REPROENV_NODE_TOOLS", REPO / "tools" / "node" / "node_modules"))
    found = modules / ".bin" / "devcontainer"
    return found if found.is_file() and shutil.which("node") else None


class Devcontainer:
    """`devcontainer SUBCOMMAND --workspace-folder PROJECT --docker-path WRAPPER ...`."""

    def __init__(self, executable: Path, project: Path, docker: Path) -> None:
        self.executable, self.project, self.docker = executable, project, docker
        # the Debian engine's own BuildKit: the CLI finds no buildx and runs `docker build`
        self.env = {**os.environ, "DOCKER_BUILDKIT": "1"}

    def __call__(self, command: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.executable), command, "--workspace-folder", str(self.project),
             "--docker-path", str(self.docker), *args],
            capture_output=True, text=True, env=self.env, check=False, timeout=900,
        )  # fmt: skip


def docker_wrapper(folder: Path, docker: DockerHost) -> Path:
    wrapper = folder / "docker"
    secret = f'--secret "id=reproenv-ca,src={docker.ca_cert}" ' if docker.ca_cert else ""
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = build ]; then shift; exec {docker.executable} build {secret}"$@"; fi\n'
        f'exec {docker.executable} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture(scope="module")
def devcontainer(
    engine_cli: Cli, docker_host: DockerHost, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Devcontainer]:
    executable = devcontainer_cli()
    if executable is None:
        if os.environ.get("REPROENV_REQUIRE_DOCKER") == "1":
            pytest.fail("the Dev Containers CLI is not installed (scripts/infra.sh: npm ci)")
        pytest.skip("the Dev Containers CLI is not installed (npm ci in tools/node)")
    publish_feature(executable, tmp_path_factory.mktemp("feature"), docker_host.mirror)
    folder = copy_example("sklearn-cpu", tmp_path_factory.mktemp("devcontainer"))
    assert engine_cli("init", cwd=folder).code == 0
    with (folder / "reproenv.toml").open("a", encoding="utf-8") as spec:
        spec.write(devcontainer_table(docker_host.mirror))
    for step in (("lock",), ("mirror", docker_host.mirror, "--record"), ("generate",)):
        result = engine_cli(*step, cwd=folder)
        assert result.code == 0, f"reproenv {' '.join(step)} failed:\n{result.output}"
    wrapper = docker_wrapper(tmp_path_factory.mktemp("engine"), docker_host)
    yield Devcontainer(executable, folder, wrapper)
    started = docker_host("ps", "-aq", "--filter", f"label=devcontainer.local_folder={folder}")
    if started.stdout.split():
        docker_host("rm", "-f", *started.stdout.split(), check=False)


def outcome(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The CLI's last stdout line: its JSON outcome."""
    lines = result.stdout.strip().splitlines()
    assert lines, result.stdout + result.stderr
    parsed = json.loads(lines[-1])
    assert isinstance(parsed, dict)
    return parsed


def test_the_generated_config_builds_the_dev_stage(devcontainer: Devcontainer) -> None:
    text = (devcontainer.project / DEVCONTAINER_FILE).read_text(encoding="utf-8")
    config = json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))
    assert config["build"]["target"] == "dev"
    # the CLI resolves the Features itself and must arrive at reproenv's lock file exactly
    built = devcontainer(
        "build", "--frozen-lockfile", "--image-name", "reproenv-e2e-devcontainer:dev"
    )
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    assert outcome(built)["outcome"] == "success"


@pytest.fixture(scope="module")
def running(devcontainer: Devcontainer) -> Devcontainer:
    up = devcontainer("up")
    assert up.returncode == 0, up.stdout[-4000:] + up.stderr[-4000:]
    result = outcome(up)
    assert result["outcome"] == "success"
    assert result["remoteUser"] == "app"
    assert result["remoteWorkspaceFolder"] == "/workspace"
    return devcontainer


def test_the_features_are_pinned_by_digest_as_the_cli_pins_them(
    devcontainer: Devcontainer, docker_host: DockerHost
) -> None:
    lock = (devcontainer.project / "reproenv.lock").read_text(encoding="utf-8")
    ours = json.loads((devcontainer.project / FEATURES_LOCK_FILE).read_text(encoding="utf-8"))
    ((name, pin),) = ours["features"].items()
    assert pin["version"] == FEATURE_VERSION
    digest = pin["integrity"]
    assert pin["resolved"] == name.rsplit(":", 1)[0] + "@" + digest
    assert f'integrity = "{digest}"' in lock
    # the digest is the registry's own for the tag
    port = docker_host.mirror.rsplit(":", 1)[1]
    manifest = subprocess.run(
        ["curl", "-sfI", "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
         f"http://127.0.0.1:{port}/v2/{FEATURE_REPOSITORY}/greeting/manifests/1"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert f"docker-content-digest: {digest}" in manifest.stdout.lower()


def test_the_feature_is_installed_with_its_options(running: Devcontainer) -> None:
    result = running("exec", "cat", "/usr/local/share/greeting")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == GREETING


def test_exec_imports_the_locked_environment(running: Devcontainer) -> None:
    result = running("exec", "python", "-c", "import sklearn, sys; print(sys.prefix)")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "/opt/venv"


def test_exec_runs_as_the_non_root_user(running: Devcontainer) -> None:
    result = running("exec", "id", "-un")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "app"


def test_the_dev_group_is_in_the_devcontainer(running: Devcontainer) -> None:
    script = "import pytest, ruff; print(pytest.__version__)"
    result = running("exec", "python", "-c", script)
    assert result.returncode == 0, result.stdout + result.stderr
    lock = (running.project / "reproenv.lock").read_text(encoding="utf-8")
    version = result.stdout.strip().splitlines()[-1]
    assert f'name = "pytest"\nversion = "{version}"' in lock  # the dev-packages pin


def test_the_runtime_image_lacks_the_dev_group(
    engine_cli: Cli, docker_host: DockerHost, devcontainer: Devcontainer
) -> None:
    built = engine_cli("build", cwd=devcontainer.project)
    assert built.code == 0, built.output
    tag = built.output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    assert docker_host("image", "inspect", tag, check=False).returncode == 0, built.output
    for tool in DEV_TOOLS:
        probe = docker_host("run", "--rm", tag, "python", "-c", f"import {tool}", check=False)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, probe.stderr
    runtime = docker_host("run", "--rm", tag, "python", "-c", "import sklearn", check=False)
    assert runtime.returncode == 0, runtime.stderr
