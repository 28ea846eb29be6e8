"""`reproenv publish` with the real engine to registries of this test's own (docker-registry on
loopback ports): the reported digest is pulled back after the local image is removed, and a
registry with htpasswd auth refuses wrong credentials with exit 3, the password never shown."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost, Result
from tests.e2e.test_mirror import free_port
from tests.e2e.test_run import prerequisite

pytestmark = [pytest.mark.docker]

REGISTRY_BINARY = "/usr/bin/docker-registry"
USER = "publisher"
PASSWORD = "right-pa55word-e2e"
WRONG = "wrong-pa55word-e2e"


@dataclass(frozen=True)
class Registry:
    address: str

    def status(self) -> int:
        try:
            with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=5):
                return 200
        except urllib.error.HTTPError as error:
            return error.code


def bcrypt_line(user: str, password: str) -> str:
    """An htpasswd line (docker-registry takes bcrypt only), from libxcrypt through `crypt`:
    there is no htpasswd binary nor a bcrypt package here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            crypt = None  # type: ignore[assignment]
    hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH)) if crypt else None
    prerequisite(bool(hashed and hashed.startswith("$2")), "no bcrypt for an htpasswd file")
    return f"{user}:{hashed}\n"


@pytest.fixture(scope="module")
def registries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, Registry]]:
    """An open registry and one behind htpasswd auth, each its own config and storage."""
    prerequisite(Path(REGISTRY_BINARY).is_file(), "docker-registry is not installed (make infra)")
    servers: list[subprocess.Popen[bytes]] = []
    found: list[Registry] = []
    try:
        for auth in (False, True):
            folder = tmp_path_factory.mktemp("auth-registry" if auth else "open-registry")
            address = f"127.0.0.1:{free_port()}"
            config = (
                "version: 0.1\n"
                f"storage: {{filesystem: {{rootdirectory: {folder / 'data'}}}}}\n"
                f"http: {{addr: {address}}}\n"
            )
            if auth:
                (folder / "htpasswd").write_text(bcrypt_line(USER, PASSWORD))
                config += (
                    f"auth: {{htpasswd: {{realm: reproenv-e2e, path: {folder / 'htpasswd'}}}}}\n"
                )
            (folder / "registry.yml").write_text(config)
            with (folder / "registry.log").open("wb") as sink:
                servers.append(
                    subprocess.Popen(
                        [REGISTRY_BINARY, "serve", str(folder / "registry.yml")],
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
            found.append(wait_for(Registry(address), 401 if auth else 200, folder))
        yield found[0], found[1]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def wait_for(registry: Registry, expected: int, folder: Path) -> Registry:
    for _ in range(60):
        try:
            if registry.status() == expected:
                return registry
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"registry {registry.address} did not answer:\n{(folder / 'registry.log').read_text()}"
    )


@pytest.fixture(scope="module")
def built_project(
    engine_cli: Cli, docker_host: DockerHost, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A pure-Python project (no packages: a fast build), built, then committed to git."""
    project = tmp_path_factory.mktemp("published")
    (project / "requirements.in").write_text("")
    (project / "main.py").write_text("print('hello')\n")
    (project / "reproenv.toml").write_text(
        'name = "publish-e2e"\ncommand = ["python", "main.py"]\n'
        '[pip]\nrequirements = ["requirements.in"]\n'
    )
    for step in (("lock",), ("build",)):
        done = engine_cli(*step, cwd=project)
        assert done.code == 0, done.output
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "built"],
    ):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    return project


def records(project: Path) -> list[dict[str, object]]:
    folder = project / ".reproenv" / "publish"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def commit_of(project: Path) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def test_publish_then_pull_by_the_reported_digest_after_removing_the_image(
    engine_cli: Cli,
    docker_host: DockerHost,
    built_project: Path,
    registries: tuple[Registry, Registry],
) -> None:
    open_registry, _ = registries
    repository = f"{open_registry.address}/team/publish-e2e"

    published = engine_cli(
        "publish", "--repository", repository, "--release", "1.0.0", cwd=built_project
    )

    assert published.code == 0, published.output
    (reference,) = published.stdout.split()
    assert reference.startswith(f"{repository}@sha256:")
    (record,) = records(built_project)
    lock_hash = str(record["lock-hash"])
    tags = [lock_hash[:12], f"git-{commit_of(built_project)[:12]}", "1.0.0"]
    assert record["tags"] == tags
    assert record["reference"] == reference and record["registry"] == open_registry.address
    image_id = str(record["image-id"])

    # every name of the image goes: what comes back comes from the registry
    docker_host("rmi", "-f", image_id)
    assert docker_host("image", "inspect", image_id, check=False).returncode != 0
    pulled = docker_host("pull", reference, check=False)
    assert pulled.returncode == 0, pulled.stderr
    labels = json.loads(
        docker_host("image", "inspect", "--format", "{{json .Config.Labels}}", reference).stdout
    )
    assert labels["dev.reproenv.lock-hash"] == lock_hash
    for tag in tags:  # each tag names the digest reported
        assert docker_host("pull", f"{repository}:{tag}", check=False).returncode == 0
        ids = docker_host("image", "inspect", "--format", "{{.Id}}", f"{repository}:{tag}")
        assert ids.stdout.strip() == image_id
    # the local tag again, so the next test finds the image of the lock
    docker_host("tag", reference, str(record["image-tag"]))


def assert_no_secret(result: Result, project: Path) -> None:
    for secret in (PASSWORD, WRONG):
        assert secret not in result.output
        for path in (project / ".reproenv").rglob("*"):
            assert not path.is_file() or secret not in path.read_text(errors="replace")


def test_a_registry_refusing_the_credentials_is_exit_3_without_the_secret(
    engine_cli: Cli,
    docker_host: DockerHost,
    built_project: Path,
    registries: tuple[Registry, Registry],
    tmp_path: Path,
) -> None:
    _, guarded = registries
    repository = f"{guarded.address}/team/publish-e2e"
    before = len(records(built_project))
    # no credentials but those a step names (Cli drops a variable set to None)
    anonymous: dict[str, str | None] = {
        "DOCKER_CONFIG": str(tmp_path / "empty-config"),
        "REPROENV_REGISTRY_USERNAME": None,
        "REPROENV_REGISTRY_PASSWORD": None,
    }

    wrong = engine_cli(
        "publish",
        "--repository",
        repository,
        cwd=built_project,
        env={**anonymous, "REPROENV_REGISTRY_USERNAME": USER, "REPROENV_REGISTRY_PASSWORD": WRONG},
    )
    assert wrong.code == 3, wrong.output
    assert f"registry {guarded.address} refused the credentials of REPROENV_REGISTRY_USERNAME" in (
        wrong.stderr
    )
    assert "hint" in wrong.stderr and "Traceback" not in wrong.output
    assert_no_secret(wrong, built_project)

    none = engine_cli(
        "publish",
        "--repository",
        repository,
        cwd=built_project,
        env=anonymous,  # type: ignore[arg-type]
    )
    assert none.code == 3, none.output
    assert f"docker login {guarded.address}" in none.stderr

    assert len(records(built_project)) == before  # nothing refused is recorded

    right = engine_cli(
        "publish",
        "--repository",
        repository,
        cwd=built_project,
        env={
            **anonymous,
            "REPROENV_REGISTRY_USERNAME": USER,
            "REPROENV_REGISTRY_PASSWORD": PASSWORD,
        },
    )
    assert right.code == 0, right.output
    assert right.stdout.strip().startswith(f"{repository}@sha256:")
    assert_no_secret(right, built_project)

    # the docker config's own login, as `docker push` uses it
    config = tmp_path / "docker-config"
    login = subprocess.run(
        [docker_host.executable, "login", "-u", USER, "--password-stdin", guarded.address],
        input=PASSWORD,
        env={**os.environ, "DOCKER_CONFIG": str(config)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    logged_in = engine_cli(
        "publish",
        "--repository",
        repository,
        cwd=built_project,
        env={**anonymous, "DOCKER_CONFIG": str(config)},  # type: ignore[dict-item]
    )
    assert logged_in.code == 0, logged_in.output
    assert logged_in.stdout.strip() == right.stdout.strip()
