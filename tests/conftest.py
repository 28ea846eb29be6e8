"""Shared fixtures: a real `reproenv` process, a fake registry, the real Docker engine, the
loopback-only network of every test not marked `network`, the fake GPU host of every test, and
the served conda channel of tests/fakes/conda_channel.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.conda_channel import conda_channel, standard_conda_channel  # noqa: F401 (fixtures)
from tests.fakes.gpu_host import BARE_HOST, HOST_VARIABLE, REPROENV_LAUNCH, FakeGpuHost
from tests.fakes.offline import LoopbackOnly, RecordingProxy, recording_proxy
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden expectations")


@pytest.fixture(scope="session")
def network_stand_in() -> Iterator[RecordingProxy]:
    with recording_proxy() as proxy:
        yield proxy


@pytest.fixture(autouse=True)
def loopback_only(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    network_stand_in: RecordingProxy,
) -> Iterator[LoopbackOnly | None]:
    """Tests not marked `network` reach loopback only, in this process and in the processes
    they start (which inherit the proxy variables); `network` tests reach what the host does."""
    if request.node.get_closest_marker("network") is not None:
        yield None
        return
    walls = LoopbackOnly(network_stand_in)
    walls.install(monkeypatch)
    yield walls
    if walls.attempts:
        pytest.fail(f"not marked `network`, but reached beyond loopback: {walls.attempts}")


@pytest.fixture(autouse=True)
def own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test its own reproenv cache, in this process too: what one test's lock kept there
    (a stamp, a tool's pins from a fake index) answers no other's, and the user's is untouched."""
    cache = tmp_path_factory.mktemp("reproenv-cache")
    monkeypatch.setenv("REPROENV_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(autouse=True)
def fake_gpu_host(monkeypatch: pytest.MonkeyPatch) -> FakeGpuHost:
    """Every test sees a machine without GPUs, whatever runs it (`use` gives it the captured
    H100); the real probe is walled off, here and in the reproenv processes `Cli` starts."""
    host = FakeGpuHost(BARE_HOST)
    monkeypatch.setenv(HOST_VARIABLE, BARE_HOST)
    host.install(monkeypatch)
    return host


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Cli:
    """Runs reproenv as a user would: a separate process, exit code and all (on the fake GPU
    host named by REPROENV_TEST_GPU_HOST, see tests/fakes/gpu_host.py)."""

    env: dict[str, str]

    def __call__(
        self, *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> Result:
        merged = {**self.env, **(env or {})}
        done = subprocess.run(
            [*REPROENV_LAUNCH, *args],
            cwd=cwd,
            env={k: v for k, v in merged.items() if v is not None},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def fake_registry() -> Iterator[FakeRegistry]:
    registry = FakeRegistry()
    # like the official image: a two-platform index (3.12 stays a single manifest)
    registry.add_index("library/python", "3.11-slim-bookworm", ("amd64", "arm64"))
    registry.add_image("library/python", "3.12-slim-bookworm")
    with serve(registry) as running:
        yield running


@pytest.fixture
def cli(fake_registry: FakeRegistry, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """Against the fake registry (through the mirror setting): no engine, no real registry."""
    env = dict(os.environ)
    env["REPROENV_REGISTRY_MIRROR"] = fake_registry.address
    # each test its own cache: a stamp one test's `lock --check` leaves answers no other's
    env["REPROENV_CACHE_DIR"] = str(tmp_path_factory.mktemp("reproenv-cache"))
    env["COLUMNS"] = "200"  # keep messages on one line for assertions
    return Cli(env)


def copy_example(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(EXAMPLES / name, target)
    return target


@pytest.fixture
def sklearn_project(tmp_path: Path) -> Path:
    return copy_example("sklearn-cpu", tmp_path)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime, to prove a failed command changed nothing."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class DockerHost:
    executable: str
    mirror: str
    ca_cert: str | None

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.executable, *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def docker_host() -> DockerHost:
    """The real engine and registry `make infra` prepared; missing ones fail in CI."""
    executable = os.environ.get("REPROENV_DOCKER", "docker")
    mirror = os.environ.get("REPROENV_REGISTRY_MIRROR", "")
    required = bool(os.environ.get("REPROENV_REQUIRE_DOCKER"))
    reachable = (
        shutil.which(executable) is not None
        and subprocess.run([executable, "info"], capture_output=True, check=False).returncode == 0
    )
    problem = None
    if not reachable:
        problem = f"no Docker engine answers to {executable!r}"
    elif not mirror:
        problem = 'REPROENV_REGISTRY_MIRROR is unset; run `eval "$(make -s infra)"`'
    if problem:
        if required:
            pytest.fail(f"REPROENV_REQUIRE_DOCKER is set but {problem}")
        pytest.skip(problem)
    return DockerHost(executable, mirror, os.environ.get("REPROENV_CA_CERT"))


@dataclass(frozen=True)
class ModernDockerHost:
    """Debian 13's engine `make infra` starts beside the system's (scripts/infra_modern.sh):
    Docker >= 25, the containerd image store, buildx; reached through `env`, which holds
    DOCKER_HOST and DOCKER_CONFIG (the latter carries buildx as a CLI plugin)."""

    executable: str
    env: Mapping[str, str]
    mirror: str
    ca_cert: str | None

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.executable, *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=check,
        )


def modern_problem(host: ModernDockerHost) -> str | None:
    """Why `host` cannot make bit-for-bit images, or None."""
    if not host.env["DOCKER_HOST"] or not Path(host.executable).is_file():
        return 'the modern engine is not set up (REPROENV_MODERN_*); run `eval "$(make -s infra)"`'
    version = host("version", "--format", "{{.Server.Version}}", check=False)
    if version.returncode != 0:
        return f"no modern Docker engine answers on {host.env['DOCKER_HOST']}"
    major = version.stdout.strip().split(".")[0]
    if not major.isdigit() or int(major) < 25:
        return f"the modern engine is Docker {version.stdout.strip()}, not 25 or later"
    driver = host("info", "--format", "{{.DriverStatus}}", check=False).stdout
    if "io.containerd.snapshotter" not in driver:
        return "the modern engine does not use the containerd image store"
    if host("buildx", "version", check=False).returncode != 0:
        return f"no buildx plugin under {host.env['DOCKER_CONFIG']}"
    if not host.mirror:
        return 'REPROENV_REGISTRY_MIRROR is unset; run `eval "$(make -s infra)"`'
    return None


def modern_host_from_env(prefix: str) -> ModernDockerHost:
    """The engine whose client, socket and config infra exported as `<prefix>_DOCKER*`."""
    return ModernDockerHost(
        executable=os.environ.get(f"{prefix}_DOCKER", ""),
        env={
            "DOCKER_HOST": os.environ.get(f"{prefix}_DOCKER_HOST", ""),
            "DOCKER_CONFIG": os.environ.get(f"{prefix}_DOCKER_CONFIG", ""),
        },
        mirror=os.environ.get("REPROENV_REGISTRY_MIRROR", ""),
        ca_cert=os.environ.get("REPROENV_CA_CERT"),
    )


def require_modern(host: ModernDockerHost) -> ModernDockerHost:
    """`host`, or a failure in CI (REPROENV_REQUIRE_DOCKER) and a skip elsewhere."""
    problem = modern_problem(host)
    if problem:
        if os.environ.get("REPROENV_REQUIRE_DOCKER"):
            pytest.fail(f"REPROENV_REQUIRE_DOCKER is set but {problem}")
        pytest.skip(problem)
    return host


@pytest.fixture(scope="session")
def modern_docker_host() -> ModernDockerHost:
    """The modern engine; missing, it fails in CI (REPROENV_REQUIRE_DOCKER) and skips elsewhere."""
    return require_modern(modern_host_from_env("REPROENV_MODERN"))


@pytest.fixture(scope="session")
def second_modern_docker_host(modern_docker_host: ModernDockerHost) -> ModernDockerHost:
    """A second instance of the modern engine (scripts/infra_modern.sh, instance 2): the same
    binaries, its own data root, exec root, socket and bridge, so nothing built or pulled on
    the first is there; a second machine, as far as this one can show it."""
    second = require_modern(modern_host_from_env("REPROENV_MODERN2"))
    if second.env["DOCKER_HOST"] == modern_docker_host.env["DOCKER_HOST"]:
        pytest.fail(f"both modern engines answer on {second.env['DOCKER_HOST']}")
    return second


@pytest.fixture(scope="session")
def engine_cli(docker_host: DockerHost, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """reproenv against the real engine and the local registry (through the mirror setting)."""
    env = dict(os.environ)
    env.update(
        REPROENV_DOCKER=docker_host.executable,
        REPROENV_REGISTRY_MIRROR=docker_host.mirror,
        REPROENV_CACHE_DIR=str(tmp_path_factory.mktemp("reproenv-cache")),
        COLUMNS="200",
    )
    return Cli(env)
