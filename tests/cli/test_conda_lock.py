"""`reproenv lock` of a conda project through the real CLI: the records with their hashes in
reproenv.lock, the lines of unsatisfiable specs, a relock byte for byte, `lock --check` from
the files alone, and `generate` writing the conda stage (refused without the pinned installer)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.lock.conda.installer import INSTALLER, installer_version
from reproenv.lock.conda.solve import channel_alias
from reproenv.lock.model import LockedPipPackage, dump_lock, read_lock
from tests.conftest import Cli
from tests.fakes.conda_channel import ChannelServer
from tests.fakes.package_index import FakeIndex, FakePackage
from tests.unit.lock.test_conda_solve import repodata_channel


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    """The pip index: the builder stage's installer (py-rattler) is pinned from it, offline."""
    packages = [
        FakePackage(INSTALLER, installer_version()),
        FakePackage("numpy", "1.26.4"),
        FakePackage("numpy", "2.1.0"),
        FakePackage("plotlib", "1.0", requires=["numpy>=1.20"]),
        FakePackage("extra-tool", "3.0"),
    ]
    with FakeIndex(packages).serve() as running:
        yield running


@pytest.fixture
def cli(cli: Cli, index: FakeIndex) -> Cli:
    return Cli({**cli.env, "REPROENV_TEST_INDEX": index.url})


PIP_INDEX = '[pip]\nindex-url = "${REPROENV_TEST_INDEX}"\n'

ENVIRONMENT = """\
name: demo
channels:
  - {channel}
dependencies:
  - python=3.11
  - numpy
  - tqdm
"""


def _project(tmp_path: Path, extra: str = "") -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    channel = repodata_channel(tmp_path / "channel")
    (folder / "environment.yml").write_text(ENVIRONMENT.format(channel=channel) + extra)
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n' + PIP_INDEX
    )
    return folder


def test_a_conda_project_locks_its_records_with_their_hashes(cli: Cli, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    assert "locked 3 conda packages (py-rattler " in result.stderr
    lock = tomllib.loads((folder / "reproenv.lock").read_text())
    records = {p["name"]: p for p in lock["conda-packages"]}
    assert {n: p["version"] for n, p in records.items()} == {
        "numpy": "1.26.4",  # 2.1.0 needs a newer glibc than the bookworm base has
        "python": "3.11.9",
        "tqdm": "4.67.0",
    }
    assert all(len(p["sha256"]) == 64 and len(p["md5"]) == 32 for p in records.values())
    assert records["tqdm"]["subdir"] == "noarch"
    assert lock["conda-channels"] == [(tmp_path / "channel").as_uri()]
    # the builder stage's installer, pinned from the spec's index with its hash
    (installer,) = lock["conda-installer"]
    assert (installer["name"], installer["version"]) == (INSTALLER, installer_version())
    assert installer["wheels"][0]["name"].endswith("-py3-none-any.whl")
    assert "py-rattler" not in {p["name"] for p in lock["pip-packages"]}
    first = (folder / "reproenv.lock").read_bytes()
    (folder / "reproenv.lock").unlink()
    assert cli("lock", cwd=folder).code == 0
    assert (folder / "reproenv.lock").read_bytes() == first  # the same inputs, the same bytes


def test_lock_check_answers_from_the_files_and_sees_an_edit(cli: Cli, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    assert cli("lock", cwd=folder).code == 0
    # the channel gone: the check does not need it
    (tmp_path / "channel" / "linux-64" / "repodata.json").unlink()
    assert cli("lock", "--check", cwd=folder).code == 0
    environment = folder / "environment.yml"
    environment.write_text(environment.read_text() + "  - cupy\n")
    assert cli("lock", "--check", cwd=folder).code == 1


def test_an_unsatisfiable_spec_exits_2_naming_its_line(cli: Cli, tmp_path: Path) -> None:
    folder = _project(tmp_path, "  - numpy >=2\n")
    result = cli("lock", cwd=folder)
    assert result.code == 2, result.output
    assert "environment.yml:8: numpy >=2" in result.stderr
    assert "__glibc >=2.39" in result.stderr
    assert "Traceback" not in result.output
    assert not (folder / "reproenv.lock").exists()


def _with_installer(folder: Path, pins: tuple[LockedPipPackage, ...]) -> None:
    """The lock as `reproenv lock` wrote it, its conda-installer replaced by `pins`."""
    path = folder / "reproenv.lock"
    lock = read_lock(path)
    assert lock is not None
    path.write_text(dump_lock(lock.model_copy(update={"conda_installer": pins})))


def test_generate_refuses_a_conda_lock_without_its_installer(cli: Cli, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    assert cli("lock", cwd=folder).code == 0
    _with_installer(folder, ())
    result = cli("generate", "--frozen", cwd=folder)
    assert result.code == 2, result.output
    assert "no pinned conda-installer" in result.stderr
    assert not (folder / "Dockerfile").exists()


def test_generate_writes_the_conda_stage_and_its_inputs(cli: Cli, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    assert cli("lock", cwd=folder).code == 0
    lock = read_lock(folder / "reproenv.lock")
    assert lock is not None and lock.conda_installer
    result = cli("generate", cwd=folder)
    assert result.code == 0, result.output
    assert "FROM ${BASE_IMAGE} AS conda" in (folder / "Dockerfile").read_text()
    records = json.loads((folder / "conda-records.json").read_text())["records"]
    assert sorted(r["name"] for r in records) == ["numpy", "python", "tqdm"]
    installer = (folder / "conda-installer.lock").read_text()
    assert f"{INSTALLER}=={installer_version()}" in installer
    assert all(h in installer for p in lock.conda_installer for h in p.hashes)
    assert (folder / "conda-install.py").is_file()


def test_a_served_channel_locks_per_platform_and_its_token_stays_out(
    cli: Cli, standard_conda_channel: Path, tmp_path: Path
) -> None:
    token = "tk-2f9c1e77"
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64", "linux/arm64"]\n'
        '[conda]\nenvironment = ["environment.yml"]\n' + PIP_INDEX
    )
    with ChannelServer(standard_conda_channel.parent, token=token) as server:
        channel = server.url("standard").replace("/standard", "/t/${CONDA_TOKEN}/standard")
        (folder / "environment.yml").write_text(
            f"channels:\n  - {channel}\ndependencies:\n  - python=3.11\n  - scikit-learn\n"
        )
        env = {"CONDA_TOKEN": token}
        result = cli("lock", cwd=folder, env=env)
        assert result.code == 0, result.output
        assert any(f"/t/{token}/" in path for path in server.requests)  # it was needed
    text = (folder / "reproenv.lock").read_text()
    lock = tomllib.loads(text)
    found = {(p["name"], p["subdir"]): p["version"] for p in lock["conda-packages"]}
    for subdir in ("linux-64", "linux-aarch64"):
        assert found[("python", subdir)] == "3.11.9"
        assert found[("numpy", subdir)] == "2.1.0"
        assert found[("scikit-learn", subdir)] == "1.5.0"
    threadpoolctl = [p for p in lock["conda-packages"] if p["name"] == "threadpoolctl"]
    assert [p["platforms"] for p in threadpoolctl] == [["linux/amd64", "linux/arm64"]]
    assert lock["conda-channels"] == [channel]  # as written: the token stays in the env
    for output in (text, result.stdout, result.stderr, (folder / "requirements.lock").read_text()):
        assert token not in output


FIXTURES = Path(__file__).parents[1] / "fixtures" / "conda"


def test_a_conda_lock_file_and_a_pixi_lock_lock_to_what_they_pin(cli: Cli, tmp_path: Path) -> None:
    from reproenv.lock.conda.lockfiles import read_conda_lock
    from reproenv.lock.conda.pixi import read_pixi_lock

    platforms = ("linux/amd64", "linux/arm64")
    for name, read in (
        ("conda-lock.yml", lambda p: read_conda_lock(p, platforms)),
        ("pixi.lock", lambda p: read_pixi_lock(p, None, platforms)),
    ):
        folder = tmp_path / name
        folder.mkdir()
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
        (folder / "reproenv.toml").write_text(
            f'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64", "linux/arm64"]\n'
            f'[conda]\nlockfile = "{name}"\n' + PIP_INDEX
        )
        result = cli("lock", cwd=folder)
        assert result.code == 0, result.output
        lock = tomllib.loads((folder / "reproenv.lock").read_text())
        pinned = {(p.name, p.url, p.sha256) for p in read(folder / name).packages}
        locked = {(p["name"], p["url"], p["sha256"]) for p in lock["conda-packages"]}
        assert locked == pinned and pinned, name
        assert lock["conda-solver"] == f"{name} used as it is"
        assert cli("lock", "--check", cwd=folder).code == 0


def test_the_pip_part_is_resolved_around_what_conda_installs(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "project"
    (folder / "envs").mkdir(parents=True)
    channel = repodata_channel(tmp_path / "channel")
    (folder / "envs" / "environment.yml").write_text(
        f"channels: [{channel}]\ndependencies:\n  - python=3.11\n  - numpy\n"
        "  - pip:\n    - plotlib\n    - -r extra.txt\n"
    )
    (folder / "envs" / "extra.txt").write_text("extra-tool\n")  # beside the environment file
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["envs/environment.yml"]\n'
        + PIP_INDEX
    )
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    lock = tomllib.loads((folder / "reproenv.lock").read_text())
    # numpy is conda's (1.26.4): pip agrees with it and does not pin it again
    assert {p["name"]: p["version"] for p in lock["pip-packages"]} == {
        "extra-tool": "3.0",
        "plotlib": "1.0",
    }
    assert {p["name"]: p["version"] for p in lock["conda-packages"]}["numpy"] == "1.26.4"
    assert "numpy" not in (folder / "requirements.lock").read_text()
    # the included file is an input: an edit makes the lock stale
    assert cli("lock", "--check", cwd=folder).code == 0
    (folder / "envs" / "extra.txt").write_text("extra-tool==3.0\n")
    assert cli("lock", "--check", cwd=folder).code == 1


def test_channels_by_name_are_read_from_the_mirror_and_locked_as_upstream(
    cli: Cli, standard_conda_channel: Path, tmp_path: Path
) -> None:
    import shutil

    mirror_root = tmp_path / "mirror"
    shutil.copytree(standard_conda_channel, mirror_root / "conda-forge")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "environment.yml").write_text(
        "channels: [conda-forge]\ndependencies:\n  - python=3.11\n  - tqdm\n"
    )
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n' + PIP_INDEX
    )
    with ChannelServer(mirror_root) as server:
        env = {"REPROENV_CONDA_MIRROR": server.address + "/"}
        result = cli("lock", cwd=folder, env=env)
        assert result.code == 0, result.output
        assert any(path.startswith("/conda-forge/") for path in server.requests)
        first = (folder / "reproenv.lock").read_bytes()
        lock = tomllib.loads(first.decode())
        assert lock["conda-channels"] == ["conda-forge"]
        for record in lock["conda-packages"]:
            assert record["url"].startswith(f"{channel_alias()}/conda-forge/"), record
            assert record["channel"] == f"{channel_alias()}/conda-forge"
        # a relock through the mirror keeps the upstream records: the same bytes
        (folder / "environment.yml").write_text(
            (folder / "environment.yml").read_text() + "  # a comment\n"
        )
        assert cli("lock", cwd=folder, env=env).code == 0
    relocked = tomllib.loads((folder / "reproenv.lock").read_text())
    assert relocked["conda-packages"] == lock["conda-packages"]
