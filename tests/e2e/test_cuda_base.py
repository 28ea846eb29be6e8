"""Acceptance: a package that does not bundle CUDA gets a CUDA base image, with Python from the
base's distro pinned in the lock, built and run on the real engine.

No nvidia/cuda image can be pulled here: `make infra` publishes a stand-in (no Python, CUDA's
environment, a uid-1000 user as Ubuntu 24.04 images have) as reproenv-test/cuda, and
REPROENV_DATA_DIR points reproenv's CUDA image table at it, the way a site with its own CUDA
images would. The CuPy wheel comes from a local fake index.
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost
from tests.fakes.package_index import FakeIndex, FakePackage

# network: apt in the pinned base pins (and the build installs) Python from the distro archive
pytestmark = [pytest.mark.docker, pytest.mark.network]

TEST_REPOSITORY = "reproenv-test/cuda"  # published by scripts/infra.sh
TEST_TAG = f"{TEST_REPOSITORY}:12.9.1-runtime-debian12"


def site_cuda_images(folder: Path) -> Path:
    """The bundled table, pointed at the stand-in and given its distro (Debian 12: Python 3.11)."""
    table = json.loads(
        resources.files("reproenv.data").joinpath("cuda_images.json").read_text(encoding="utf-8")
    )
    table["repository"] = TEST_REPOSITORY
    table["distros"].append(
        {"name": "debian12", "python": "3.11", "python_packages": ["python3.11", "python3.11-venv"]}
    )
    for image in table["images"]:
        if image["cuda"] == "12.9.1":
            image["distros"].append("debian12")
    folder.mkdir()
    (folder / "cuda_images.json").write_text(json.dumps(table, indent=2))
    return folder


def cupy_project(folder: Path, index_url: str, python: str) -> Path:
    """CuPy for CUDA 12 without nvidia-* wheels, from the fake index, for a 580 driver."""
    folder.mkdir()
    (folder / "requirements.in").write_text(f"--index-url {index_url}\ncupy-cuda12x\n")
    (folder / "reproenv.toml").write_text(
        f'name = "{folder.name}"\npython = "{python}"\ngpu-driver = "580.95.05"\n'
        '[pip]\nrequirements = ["requirements.in"]\n'
    )
    return folder


def test_cupy_without_bundled_cuda_builds_on_a_cuda_base(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    with FakeIndex([FakePackage("cupy-cuda12x", "13.4.1")], uv="binary").serve() as index:
        project = cupy_project(tmp_path / "cupy-project", index.url, "3.11")
        cli = Cli({**engine_cli.env, "REPROENV_DATA_DIR": str(site_cuda_images(tmp_path / "d"))})
        locked = cli("lock", cwd=project)
        assert locked.code == 0, locked.output
        built = cli("build", "--network", "host", cwd=project)
        assert built.code == 0, built.output

    lock = (project / "reproenv.lock").read_text()
    assert f'base-image = "{TEST_TAG}"' in lock
    assert f'reference = "docker.io/{TEST_TAG}"' in lock
    assert 'python-apt = [\n    "python3.11",\n    "python3.11-venv",\n]' in lock
    pins = dict(re.findall(r'\[\[apt-packages\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock))
    assert {"python3.11", "python3.11-venv", "python3.11-minimal"} <= set(pins)
    assert 'cuda = "12.9"' in lock

    explained = cli("lock", "--explain-gpu", cwd=project)
    assert explained.code == 0, explained.output
    assert "not bundled as wheels" in explained.stdout
    assert "debian12's Python 3.11 from apt" in explained.stdout

    # the image needs a GPU and this host has none: a clear refusal, then the CPU path
    refused = cli("run", "--", "python", "-c", "print(1)", cwd=project)
    assert refused.code != 0 and "--cpu" in refused.output
    script = (
        "import os, sys, cupy_cuda12x; "
        "print(sys.executable, sys.version_info[:2], cupy_cuda12x.__version__, "
        "os.environ['NVIDIA_REQUIRE_CUDA'], os.getuid())"
    )
    ran = cli("run", "--cpu", "--", "python", "-c", script, cwd=project)
    assert ran.code == 0, ran.output
    # run is as the invoking user, not the image's uid 1000
    assert ran.stdout.split()[-7:] == [
        "/opt/venv/bin/python", "(3,", "11)", "13.4.1", "cuda>=12.9", str(os.getuid()),
    ][-7:]  # fmt: skip

    tag = next(
        line.split()[-1] for line in built.output.splitlines() if "built cupy-project:" in line
    )
    installed = docker_host(
        "run", "--rm", "--entrypoint", "dpkg-query", tag,
        "-W", "-f", "${Package}=${Version}\\n", "python3.11", "python3.11-venv",
    ).stdout.split()  # fmt: skip
    assert installed == [
        f"python3.11={pins['python3.11']}",
        f"python3.11-venv={pins['python3.11-venv']}",
    ]
    user = docker_host("run", "--rm", "--entrypoint", "id", tag, "-un").stdout.strip()
    assert user != "ubuntu"  # the base's uid-1000 user made way for the project's

    # a relock after an input change keeps the CUDA base's digest and the Python pins without
    # asking the registry or apt: a dead mirror and no engine do not matter
    with FakeIndex([FakePackage("cupy-cuda12x", "13.4.1")], uv="binary").serve() as index:
        (project / "requirements.in").write_text(f"--index-url {index.url}\ncupy-cuda12x\n")
        offline = Cli(
            {**cli.env, "REPROENV_REGISTRY_MIRROR": "127.0.0.1:9", "REPROENV_DOCKER": "/no/docker"}
        )
        relocked = offline("lock", cwd=project)
    assert relocked.code == 0, relocked.output
    after = (project / "reproenv.lock").read_text()
    digests = re.compile(r'digest = "(sha256:[0-9a-f]{64})"')
    assert digests.findall(after) == digests.findall(lock) != []
    assert re.findall(r"\[\[apt-packages\]\][^\[]*", after) == re.findall(
        r"\[\[apt-packages\]\][^\[]*", lock
    )


def test_a_distro_without_the_python_is_named_at_lock_time(engine_cli: Cli, tmp_path: Path) -> None:
    """The table says the stand-in's distro has Python 3.12; apt in the pinned image says no."""
    data = site_cuda_images(tmp_path / "d")
    table = json.loads((data / "cuda_images.json").read_text())
    table["distros"][-1].update(python="3.12", python_packages=["python3.12", "python3.12-venv"])
    for image in table["images"]:  # only the stand-in is left to choose
        image["distros"] = ["debian12"] if image["cuda"] == "12.9.1" else []
    (data / "cuda_images.json").write_text(json.dumps(table))
    with FakeIndex([FakePackage("cupy-cuda12x", "13.4.1")], uv="binary").serve() as index:
        project = cupy_project(tmp_path / "cupy-312", index.url, "3.12")
        result = Cli({**engine_cli.env, "REPROENV_DATA_DIR": str(data)})("lock", cwd=project)
    assert result.code == 2, result.output
    assert "has no apt package python3.12, which would put Python 3.12 on it" in result.stderr
    assert "Traceback" not in result.output
    assert not (project / "reproenv.lock").exists()
