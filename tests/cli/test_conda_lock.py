"""`reproenv lock` of a conda project through the real CLI: the records with their hashes in
reproenv.lock, the lines of unsatisfiable specs, a relock byte for byte, `lock --check` from
the files alone, and `generate` writing the conda stage (refused without the pinned installer)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from reproenv.lock.model import LockedFile, LockedPipPackage, dump_lock, read_lock
from tests.conftest import Cli
from tests.fakes.conda_channel import ChannelServer
from tests.unit.lock.test_conda_solve import repodata_channel

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
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n'
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
    wheel = LockedFile(
        name="py_rattler-0.28.0-cp38-abi3-manylinux_2_17_x86_64.whl", sha256="a" * 64
    )
    _with_installer(
        folder,
        (
            LockedPipPackage(
                name="py-rattler", version="0.28.0", platforms=("linux/amd64",), wheels=(wheel,)
            ),
        ),
    )
    result = cli("generate", "--frozen", cwd=folder)
    assert result.code == 0, result.output
    assert "FROM ${BASE_IMAGE} AS conda" in (folder / "Dockerfile").read_text()
    records = json.loads((folder / "conda-records.json").read_text())["records"]
    assert sorted(r["name"] for r in records) == ["numpy", "python", "tqdm"]
    assert f"--hash=sha256:{'a' * 64}" in (folder / "conda-installer.lock").read_text()
    assert (folder / "conda-install.py").is_file()


def test_a_served_channel_locks_per_platform_and_its_token_stays_out(
    cli: Cli, standard_conda_channel: Path, tmp_path: Path
) -> None:
    token = "tk-2f9c1e77"
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64", "linux/arm64"]\n'
        '[conda]\nenvironment = ["environment.yml"]\n'
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
            f'[conda]\nlockfile = "{name}"\n'
        )
        result = cli("lock", cwd=folder)
        assert result.code == 0, result.output
        lock = tomllib.loads((folder / "reproenv.lock").read_text())
        pinned = {(p.name, p.url, p.sha256) for p in read(folder / name).packages}
        locked = {(p["name"], p["url"], p["sha256"]) for p in lock["conda-packages"]}
        assert locked == pinned and pinned, name
        assert lock["conda-solver"] == f"{name} used as it is"
        assert cli("lock", "--check", cwd=folder).code == 0
