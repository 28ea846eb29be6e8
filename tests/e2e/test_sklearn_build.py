"""Real Docker engine, real local registry: build examples/sklearn-cpu FROM a digest-pinned base
pulled through the mirror setting, then run, inspect and scan the image."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from reproenv.lock.model import read_lock
from reproenv.spec.requirements import canonical_name
from tests.conftest import Cli, DockerHost, copy_example

pytestmark = [pytest.mark.docker, pytest.mark.network]


@dataclass(frozen=True)
class Built:
    project: Path
    tag: str
    cli: Cli
    unique_cert: str  # a CA certificate that exists only in the bundle passed to the build


def make_ca_bundle(folder: Path, system_bundle: str | None) -> tuple[Path, str]:
    """The system bundle plus a CA made for this test run, whose bytes appear nowhere else."""
    key, cert = folder / "test-ca.key", folder / "test-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=reproenv test CA", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    unique = cert.read_text()
    key.unlink()
    system = Path(system_bundle).read_text() if system_bundle else ""
    bundle = folder / "ca-bundle.pem"
    bundle.write_text(system + "\n" + unique)
    return bundle, unique


@pytest.fixture(scope="module")
def built(
    docker_host: DockerHost, engine_cli: Cli, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    root = tmp_path_factory.mktemp("sklearn")
    project = copy_example("sklearn-cpu", root)
    bundle, unique = make_ca_bundle(root, docker_host.ca_cert)
    cli = Cli({**engine_cli.env, "REPROENV_CA_CERT": str(bundle)})
    for step in ("init", "lock", "generate", "build"):
        result = cli(step, cwd=project)
        assert result.code == 0, f"reproenv {step} failed:\n{result.output}"
    tag = image_tag(project)
    return Built(project, tag, cli, unique)


def image_tag(project: Path) -> str:
    lock_hash = hashlib.sha256((project / "reproenv.lock").read_bytes()).hexdigest()
    return f"sklearn-cpu:{lock_hash[:12]}"


def inspect(docker_host: DockerHost, image: str) -> dict[str, object]:
    data: list[dict[str, object]] = json.loads(docker_host("image", "inspect", image).stdout)
    return data[0]


def layers(docker_host: DockerHost, image: str) -> list[str]:
    rootfs = inspect(docker_host, image)["RootFS"]
    assert isinstance(rootfs, dict)
    return list(rootfs["Layers"])


def test_image_is_built_from_the_digest_pinned_base(built: Built, docker_host: DockerHost) -> None:
    lock = (built.project / "reproenv.lock").read_text()
    digest = re.search(r'digest = "(sha256:[0-9a-f]{64})"', lock)
    assert digest is not None
    dockerfile = (built.project / "Dockerfile").read_text()
    assert (
        f"ARG BASE_IMAGE=docker.io/library/python:3.11-slim-bookworm@{digest.group(1)}\n"
        in dockerfile
    )
    labels = inspect(docker_host, built.tag)["Config"]
    assert isinstance(labels, dict)
    assert labels["Labels"]["dev.reproenv.lock-hash"] == hashlib.sha256(lock.encode()).hexdigest()
    assert labels["Labels"]["org.opencontainers.image.base.digest"] == digest.group(1)
    # the image really starts from that digest: its layers begin with the base's layers
    base = f"{docker_host.mirror}/library/python@{digest.group(1)}"
    docker_host("pull", "-q", base)
    base_layers = layers(docker_host, base)
    assert layers(docker_host, built.tag)[: len(base_layers)] == base_layers


def test_run_prints_accuracy_and_passes_exit_codes(built: Built) -> None:
    result = built.cli("run", "--", "python", "train.py", cwd=built.project)
    assert result.code == 0, result.output
    assert re.search(r"^accuracy: 0\.\d{4}$", result.stdout, re.MULTILINE), result.output
    failing = built.cli("run", "--", "python", "-c", "raise SystemExit(7)", cwd=built.project)
    assert failing.code == 7


# run inside the image: its distributions, and any uv executable or cache left in it
_INSIDE = """import json, os, importlib.metadata as m
found = [os.path.join(d, f) for top in ("/usr", "/opt", "/root", "/home", "/bin")
         for d, _, files in os.walk(top) for f in files if f in ("uv", "uvx")]
print(json.dumps({"installed": {d.metadata["Name"].lower().replace("_", "-"): d.version
                                for d in m.distributions()},
                  "uv": found, "uv_cache": [f for _, _, files in os.walk("/root/.cache/uv")
                                            for f in files]}))"""


def inside(cli: Cli, project: Path) -> dict[str, Any]:
    result = cli("run", "--user", "0:0", "--", "python", "-c", _INSIDE, cwd=project)
    assert result.code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def locked_pins(project: Path) -> dict[str, str]:
    lock = read_lock(project / "reproenv.lock")
    assert lock is not None and lock.pip_packages, "no pins in the lock"
    return {canonical_name(p.name): p.version for p in lock.pip_packages}


def test_installed_packages_match_the_lock(built: Built) -> None:
    """A verify script run inside the image: the distributions installed are exactly the
    lock's pins (uv installs them into a venv without pip), and uv itself is not there."""
    found = inside(built.cli, built.project)
    assert found["installed"] == locked_pins(built.project)
    # the cache mount's mount point may stay behind, empty: no file of uv's cache does
    assert found["uv"] == [] and found["uv_cache"] == []


def test_with_installer_pip_the_same_pins_are_installed(engine_cli: Cli, tmp_path: Path) -> None:
    project = copy_example("sklearn-cpu", tmp_path)
    assert engine_cli("init", cwd=project).code == 0
    spec = project / "reproenv.toml"
    spec.write_text(spec.read_text().replace("[image]\n", '[image]\ninstaller = "pip"\n'))
    result = engine_cli("build", cwd=project)
    assert result.code == 0, result.output
    dockerfile = (project / "Dockerfile").read_text()
    assert " AS uv" not in dockerfile and "pip install --require-hashes" in dockerfile
    found = inside(engine_cli, project)
    pins = locked_pins(project)
    assert {name: found["installed"].get(name) for name in pins} == pins
    # the venv's own installer, and nothing else
    assert set(found["installed"]) - set(pins) <= {"pip", "setuptools"}
    assert found["uv"] == []


def find_in_stream(chunks: Iterable[bytes], needles: list[bytes]) -> set[bytes]:
    """Which needles occur in a byte stream (overlapping chunk borders handled)."""
    found: set[bytes] = set()
    keep = max(len(n) for n in needles)
    tail = b""
    for chunk in chunks:
        window = tail + chunk
        found.update(n for n in needles if n in window)
        tail = window[-keep:]
    return found


def cert_needles(pem: str) -> list[bytes]:
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    # whole base64 lines from the middle of the certificate: unique to this test's CA
    return [line.encode() for line in body[3:6]] + [pem.strip().encode()]


def test_scanner_finds_a_certificate_when_one_is_there(built: Built) -> None:
    """Positive control for the layer scan below, so that test can fail."""
    buffer = BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = built.unique_cert.encode()
        info = tarfile.TarInfo("etc/ssl/leaked.pem")
        info.size = len(data)
        archive.addfile(info, BytesIO(data))
    raw = buffer.getvalue()
    chunks = (raw[i : i + 1000] for i in range(0, len(raw), 1000))
    assert find_in_stream(chunks, cert_needles(built.unique_cert))


def test_no_ca_bundle_byte_in_any_layer(built: Built, docker_host: DockerHost) -> None:
    needles = cert_needles(built.unique_cert)
    with subprocess.Popen(
        [docker_host.executable, "save", built.tag], stdout=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        found = find_in_stream(iter(lambda: proc.stdout.read(1 << 20), b""), needles)  # type: ignore[union-attr]
    assert proc.returncode == 0
    assert found == set(), "the CA bundle passed to the build is stored in the image"


def test_code_change_rebuild_reuses_every_dependency_layer(
    built: Built, docker_host: DockerHost
) -> None:
    before = layers(docker_host, built.tag)
    train = built.project / "train.py"
    train.write_text(train.read_text() + "# a code-only change\n")
    result = built.cli("build", cwd=built.project)
    assert result.code == 0, result.output
    assert image_tag(built.project) == built.tag  # same lock, same tag
    after = layers(docker_host, built.tag)
    assert len(after) == len(before)
    assert after[:-1] == before[:-1], "a dependency layer was rebuilt after a code-only change"
    assert after[-1] != before[-1], "the source layer should change"


def test_run_without_a_built_image_says_what_to_do(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    project = copy_example("sklearn-cpu", tmp_path)
    cli = engine_cli
    (project / "reproenv.toml").write_text(
        'name = "never-built"\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    assert cli("lock", cwd=project).code == 0
    result = cli("run", "--", "python", "train.py", cwd=project)
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    assert "never-built:" in result.stderr
    assert "reproenv build" in result.stderr


def test_two_platform_lock_builds_for_amd64(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    project = copy_example("sklearn-cpu", tmp_path)
    (project / "reproenv.toml").write_text(
        'name = "two-platforms"\nplatforms = ["linux/amd64", "linux/arm64"]\n'
        'command = ["python", "train.py"]\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    cli = engine_cli
    result = cli("build", "--platform", "linux/amd64", cwd=project)
    assert result.code == 0, result.output
    lock = (project / "reproenv.lock").read_text()
    assert 'platform = "linux/arm64"' in lock and 'platform = "linux/amd64"' in lock
    ran = cli("run", "--", "python", "train.py", cwd=project)
    assert ran.code == 0, ran.output
    assert "accuracy: 0." in ran.stdout
    lock_hash = hashlib.sha256(lock.encode()).hexdigest()[:12]
    assert (
        docker_host("image", "inspect", f"two-platforms:{lock_hash}-amd64", check=False).returncode
        == 0
    )


def test_apt_packages_are_pinned_and_installed_exactly(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    project = copy_example("sklearn-cpu", tmp_path)
    (project / "requirements.in").write_text("")
    (project / "reproenv.toml").write_text(
        'name = "with-apt"\n[pip]\nrequirements = ["requirements.in"]\n'
        '[apt]\npackages = ["git", "curl"]\n'
    )
    cli = engine_cli
    locked = cli("lock", cwd=project)
    assert locked.code == 0, locked.output
    lock = (project / "reproenv.lock").read_text()
    pins = dict(re.findall(r'\[\[apt-packages\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock))
    assert {"git", "curl"} <= set(pins), lock
    assert len(pins) > 2  # their dependencies are pinned too
    assert "hadolint" not in lock
    built = cli("build", cwd=project)
    assert built.code == 0, built.output
    assert f"git={pins['git']}" in (project / "Dockerfile").read_text()
    query = cli(
        "run",
        "--",
        "dpkg-query",
        "-W",
        "-f",
        "${Package}=${Version}\\n",
        *sorted(pins),
        cwd=project,
    )
    assert query.code == 0, query.output
    installed = dict(line.split("=", 1) for line in query.stdout.split())
    assert installed == pins


def test_unknown_apt_package_is_named(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    project = copy_example("sklearn-cpu", tmp_path)
    (project / "reproenv.toml").write_text(
        'name = "bad-apt"\n[pip]\nrequirements = ["requirements.in"]\n'
        '[apt]\npackages = ["no-such-package-xyz"]\n'
    )
    result = engine_cli("lock", cwd=project)
    assert result.code == 2, result.output
    assert "no-such-package-xyz" in result.stderr
    assert "Traceback" not in result.output
    assert not (project / "reproenv.lock").exists()
