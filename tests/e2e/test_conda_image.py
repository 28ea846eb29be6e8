"""Acceptance: a conda environment locked from a loopback channel is installed in the image
without a solver, exactly the locked records; a file changed after locking fails the build
naming its package; a channel token appears in no file, layer or output; the environment is
activated for `reproenv run` and the image's CMD (its `variables:` and the packages'
etc/conda/activate.d scripts).

The channel holds a working `python`: the test bed's Debian Python 3.11 (the base image's own
/usr/bin/python3.11 and /usr/lib/python3.11) packaged as a conda record. It runs from the prefix
because its shared libraries are the Debian base's. Its site module is Debian's (frozen into the
binary), which reads site-packages only in a virtual environment: the package adds a
sitecustomize.py that reads the prefix's lib/python3.11/site-packages, as conda's own Python
does. The build's conda stage installs its pinned py-rattler from the package index, hence the
`network` marker."""

from __future__ import annotations

import dataclasses
import io
import json
import secrets
import shutil
import subprocess
import tarfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reproenv.lock.conda.solve import channel_alias
from tests.conftest import Cli, DockerHost, Result
from tests.fakes.conda_channel import ChannelServer, CondaPackage, build_channel, write_package
from tests.fakes.package_index import FakeIndex, FakePackage

pytestmark = [pytest.mark.docker, pytest.mark.network]

PREFIX = "/opt/conda-env"
# Debian's site module adds <prefix>/lib/python3.11/site-packages in a venv only
_SITECUSTOMIZE = b"""import os, site, sys
site.addsitedir(os.path.join(sys.prefix, "lib", "python3.11", "site-packages"))
"""
_LEFT_OUT = ("__pycache__", "/test/", "/idlelib/", "/tkinter/", "/lib2to3/tests/")
LABTOOLS = CondaPackage(
    "labtools",
    "0.3",
    "pyh0_0",
    depends=("python >=3.8",),
    noarch="python",
    files={"site-packages/labtools/__init__.py": b'__version__ = "0.3"\n'},
)

# sets a variable the way gdal and proj do: from its activation script, under the prefix
LABDATA = CondaPackage(
    "labdata",
    "1.0",
    "0",
    files={
        "etc/conda/activate.d/labdata.sh": b'export LABDATA_DIR="${CONDA_PREFIX}/share/labdata"\n',
        "share/labdata/README": b"lab data\n",
    },
)


def _debian_python(docker_host: DockerHost) -> CondaPackage:
    """The base image's Python 3.11 as a linux-64 conda package."""
    base = f"{docker_host.mirror}/library/python:3.11-slim-bookworm"
    listing = subprocess.run(
        [docker_host.executable, "run", "--rm", "--entrypoint", "sh", base, "-c",
         "python3.11 -c 'import platform; print(platform.python_version())' >&2 && "
         "tar -C / -cf - usr/bin/python3.11 usr/lib/python3.11"],
        capture_output=True, check=True,
    )  # fmt: skip
    version = listing.stderr.decode().split()[-1]
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(listing.stdout)) as archive:
        for member in archive:
            path = member.name.removeprefix("usr/")
            if not member.isfile() or any(part in f"/{path}" for part in _LEFT_OUT):
                continue
            data = archive.extractfile(member).read()  # type: ignore[union-attr]
            files[path] = data
    files["lib/python3.11/sitecustomize.py"] = _SITECUSTOMIZE  # Debian's is a link to /etc
    files["bin/python"] = files["bin/python3.11"]
    return CondaPackage("python", version, "h0_debian", subdir="linux-64", files=files)


@pytest.fixture(scope="module")
def channels(docker_host: DockerHost, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of one channel, `debian`: the Debian Python, a noarch module and a package with
    an activation script. Built once."""
    root = tmp_path_factory.mktemp("conda-channels")
    build_channel(
        root / "debian", [_debian_python(docker_host), LABTOOLS, LABDATA], subdirs=("linux-64",)
    )
    return root


@pytest.fixture
def own_channels(channels: Path, tmp_path: Path) -> Path:
    """A copy of the channels for a test that rewrites a package."""
    root = tmp_path / "channels"
    shutil.copytree(channels, root)
    return root


def _project(folder: Path, name: str, channel: str, pip_index: str | None = None) -> Path:
    """A conda project; with `pip_index`, its environment file has a `pip:` part from there."""
    folder.mkdir()
    pip_part = "  - pip:\n    - labpip==1.0\n" if pip_index else ""
    (folder / "environment.yml").write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python 3.11.*\n  - labtools\n{pip_part}"
    )
    # the builder's installer (py-rattler) comes from the default index, the pip part from here
    pip_table = f'[pip]\nextra-index-urls = ["{pip_index}"]\n' if pip_index else ""
    (folder / "reproenv.toml").write_text(
        f'name = "{name}"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n'
        + pip_table
    )
    return folder


def _lock(cli: Cli, project: Path) -> tuple[dict[str, Any], Result]:
    locked = cli("lock", cwd=project)
    assert locked.code == 0, locked.output
    lock = tomllib.loads((project / "reproenv.lock").read_text())
    if not lock.get("conda-installer"):
        pytest.skip("reproenv lock does not pin the conda-installer (py-rattler) yet")
    return lock, locked


def _built_tag(result: Result, name: str) -> str:
    assert result.code == 0, result.output
    return next(line.split()[-1] for line in result.output.splitlines() if f"built {name}:" in line)


def test_the_image_has_exactly_the_locked_records(
    docker_host: DockerHost, engine_cli: Cli, channels: Path, tmp_path: Path
) -> None:
    pip_packages = [FakePackage("labpip", "1.0")]
    with ChannelServer(channels) as server, FakeIndex(pip_packages, uv="binary").serve() as index:
        project = _project(tmp_path / "env", "conda-env", server.url("debian"), index.url)
        lock, _ = _lock(engine_cli, project)
        tag = _built_tag(engine_cli("build", "--network", "host", cwd=project), "conda-env")
    # the pip part: pinned with its hash, installed by pip with --require-hashes
    (labpip,) = lock["pip-packages"]
    assert (labpip["name"], labpip["version"]) == ("labpip", "1.0")
    assert (
        f"--hash=sha256:{labpip['wheels'][0]['sha256']}"
        in (project / "requirements.lock").read_text()
    )
    script = (
        "import glob, json; print(json.dumps({d['url']: d['sha256'] for d in "
        f"(json.load(open(f)) for f in glob.glob('{PREFIX}/conda-meta/*.json'))}}))"
    )
    meta = docker_host("run", "--rm", "--entrypoint", "/usr/bin/python3", tag, "-c", script)
    records = lock["conda-packages"]
    assert json.loads(meta.stdout) == {r["url"]: r["sha256"] for r in records}
    assert {r["name"] for r in records} == {"python", "labtools"}
    ran = engine_cli(
        "run", "--", "python", "-c",
        "import sys, labtools, labpip; print(sys.base_prefix, labtools.__version__, "
        "labpip.__version__)",
        cwd=project,
    )  # fmt: skip
    assert ran.code == 0, ran.output
    assert ran.stdout.split() == [PREFIX, "0.3", "1.0"]


def test_a_package_changed_after_locking_fails_the_build(
    engine_cli: Cli, own_channels: Path, tmp_path: Path
) -> None:
    with ChannelServer(own_channels) as server:
        project = _project(tmp_path / "changed", "conda-changed", server.url("debian"))
        lock, _ = _lock(engine_cli, project)
        changed = dataclasses.replace(
            LABTOOLS, files={"site-packages/labtools/__init__.py": b'__version__ = "evil"\n'}
        )
        write_package(changed, own_channels / "debian")  # not indexed again
        built = engine_cli("build", "--network", "host", cwd=project)
    assert built.code != 0, built.output
    records = lock["conda-packages"]
    locked = next(r["sha256"] for r in records if r["name"] == "labtools")
    assert "labtools 0.3" in built.output
    assert locked in built.output  # the lock's hash and the file's, both named
    assert "is not the file the lock pins: its sha256 is" in built.output


@pytest.fixture
def token() -> str:
    return "tk-" + secrets.token_hex(12)


@pytest.fixture
def gated(channels: Path, token: str) -> Iterator[ChannelServer]:
    with ChannelServer(channels, token=token) as server:
        yield server


def test_a_channel_token_stays_secret(
    docker_host: DockerHost, engine_cli: Cli, gated: ChannelServer, token: str, tmp_path: Path
) -> None:
    channel = f"{gated.address}/t/${{CONDA_TOKEN}}/debian"
    project = _project(tmp_path / "gated", "conda-gated", channel)
    cli = Cli({**engine_cli.env, "CONDA_TOKEN": token})
    lock, locked = _lock(cli, project)
    seen = len(gated.requests)
    built = cli("build", "--network", "host", cwd=project)
    tag = _built_tag(built, "conda-gated")
    # the build downloaded the records through the token
    assert any(f"/t/{token}/debian/noarch/labtools" in p for p in gated.requests[seen:])
    ran = cli("run", "--", "python", "-c", "import labtools", cwd=project)
    assert ran.code == 0, ran.output
    assert lock["conda-channels"] == [channel]  # the variable, as written
    for path in project.rglob("*"):
        if path.is_file():
            assert token not in path.read_text(errors="replace"), path
    for result in (locked, built, ran):
        assert token not in result.output
    with subprocess.Popen([docker_host.executable, "save", tag], stdout=subprocess.PIPE) as save:
        assert save.stdout is not None
        tail = b""
        for chunk in iter(lambda: save.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
            assert token.encode() not in tail + chunk, "the token is in an image layer"
            tail = chunk[-64:]
    assert token not in docker_host("history", "--no-trunc", tag).stdout
    assert token not in docker_host("image", "inspect", tag).stdout


def test_channels_by_name_build_through_the_conda_mirror(
    docker_host: DockerHost, engine_cli: Cli, channels: Path, tmp_path: Path
) -> None:
    with ChannelServer(channels) as server:
        # `debian` named without a URL: read from the mirror, locked as conda's upstream URL
        project = _project(tmp_path / "mirrored", "conda-mirrored", "debian")
        cli = Cli({**engine_cli.env, "REPROENV_CONDA_MIRROR": server.address})
        lock, _ = _lock(cli, project)
        assert all(
            r["url"].startswith(f"{channel_alias()}/debian/") for r in lock["conda-packages"]
        )
        seen = len(server.requests)
        built = cli("build", "--network", "host", cwd=project)
        tag = _built_tag(built, "conda-mirrored")
        assert any("/debian/noarch/labtools" in path for path in server.requests[seen:])
    ran = docker_host("run", "--rm", tag, "python", "-c", "import labtools; print('ok')")
    assert ran.stdout.strip() == "ok"


SHOW_ACTIVATION = "import os; print(os.environ['LAB_MODE'], os.environ['LABDATA_DIR'])"


def test_run_and_the_images_command_see_the_activated_environment(
    docker_host: DockerHost, engine_cli: Cli, channels: Path, tmp_path: Path
) -> None:
    project = tmp_path / "activated"
    project.mkdir()
    with ChannelServer(channels) as server:
        (project / "environment.yml").write_text(
            f"channels:\n  - {server.url('debian')}\ndependencies:\n  - python 3.11.*\n"
            "  - labdata\nvariables:\n  LAB_MODE: 'fast$HOME'\n"
        )
        (project / "reproenv.toml").write_text(
            'name = "conda-activated"\npython = "3.11"\n'
            f"command = {json.dumps(['python', '-c', SHOW_ACTIVATION])}\n"
            '[conda]\nenvironment = ["environment.yml"]\n'
        )
        _lock(engine_cli, project)
        tag = _built_tag(engine_cli("build", "--network", "host", cwd=project), "conda-activated")
    wanted = ["fast$HOME", f"{PREFIX}/share/labdata"]  # the variable as written, not expanded
    ran = engine_cli("run", "--", "python", "-c", SHOW_ACTIVATION, cwd=project)
    assert ran.code == 0, ran.output
    assert ran.stdout.split() == wanted
    default = docker_host("run", "--rm", tag)  # the image's CMD, through its ENTRYPOINT
    assert default.stdout.split() == wanted
    # `reproenv run` as another user than the image's: the entrypoint is readable by anyone
    other = engine_cli(
        "run", "--user", "4321:4321", "--", "python", "-c", SHOW_ACTIVATION, cwd=project
    )
    assert other.code == 0, other.output
    assert other.stdout.split() == wanted
