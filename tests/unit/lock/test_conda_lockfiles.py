"""conda-lock.yml and pixi.lock read into reproenv's conda records, and conda-lock.yml written."""

from __future__ import annotations

import copy
import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.conda.lockfile_write import dependency_map, write_conda_lock
from reproenv.lock.conda.lockfiles import (
    CondaLockInput,
    PipEntry,
    conda_subdir,
    read_conda_lock,
)
from reproenv.lock.conda.pixi import read_pixi_lock
from reproenv.lock.model import LockedCondaPackage

FIXTURES = Path(__file__).parents[2] / "fixtures" / "conda"
BOTH = ("linux/amd64", "linux/arm64")
CHANNEL = "https://conda.example.org/conda-forge"
SIX_SHA = "44778d82365e4af681c40d5f0eef5cf6f5899d3f0ac335050a7ed6779cf3f674"
SIX_URL = "https://files.example.org/packages/six-1.17.0-py2.py3-none-any.whl"


def _digest(text: str, algorithm: str) -> str:
    return hashlib.new(algorithm, text.encode()).hexdigest()


def _record(
    name: str, version: str, build: str, subdir: str, platforms: tuple[str, ...], *depends: str
) -> LockedCondaPackage:
    return LockedCondaPackage(
        name=name,
        version=version,
        build=build,
        subdir=subdir,
        channel=CHANNEL,
        url=f"{CHANNEL}/{subdir}/{name}-{version}-{build}.conda",
        sha256=_digest(name + subdir, "sha256"),
        md5=_digest(name + subdir, "md5"),
        platforms=platforms,
        depends=depends,
    )


RECORDS = (
    _record("libzlib", "1.3.1", "hb9d3cd8_2", "linux-64", ("linux/amd64",), "libgcc >=13"),
    _record("libzlib", "1.3.1", "h86ecc28_2", "linux-aarch64", ("linux/arm64",), "libgcc >=13"),
    _record(
        "python",
        "3.12.8",
        "h9e4cc4f_1_cpython",
        "linux-64",
        ("linux/amd64",),
        "libzlib >=1.3.1,<2.0a0",
        "tzdata",
    ),
    _record("tzdata", "2024b", "hc8b5060_0", "noarch", BOTH),
)
PIP = (
    PipEntry("six", "1.17.0", SIX_URL, SIX_SHA, "linux/amd64"),
    PipEntry("six", "1.17.0", SIX_URL, SIX_SHA, "linux/arm64"),
)
HASHES = {"linux/amd64": "a" * 64, "linux/arm64": "b" * 64}


def _write(records: tuple[LockedCondaPackage, ...] = RECORDS) -> str:
    return write_conda_lock(records, PIP, (CHANNEL,), BOTH, HASHES, sources=("environment.yml",))


# --- conda-lock's own file -------------------------------------------------------------------


def test_reads_a_file_conda_lock_wrote() -> None:
    read = read_conda_lock(FIXTURES / "conda-lock.yml", BOTH)
    assert read.channels == ("conda-forge",)
    assert read.content_hashes == {
        "linux/amd64": "1173e3c96ce20d063a5701b325b76deb97394f891af270af4ee0cb7cc1f6e838",
        "linux/arm64": "d01c1f5433f30bdbcd3bdad8d9b096774ab55f1210c094acdc61a35b32b28d67",
    }
    found = {(r.name, r.subdir): r for r in read.packages}
    # the dev category (optional) and the osx-arm64 entries are left out
    assert sorted(found) == [
        ("_libgcc_mutex", "linux-64"),
        ("libgcc", "linux-64"),
        ("libgcc", "linux-aarch64"),
        ("tzdata", "noarch"),
    ]
    mutex = found["_libgcc_mutex", "linux-64"]
    assert (mutex.version, mutex.build, mutex.channel) == ("0.1", "conda_forge", "conda-forge")
    assert mutex.url.endswith("/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2")
    assert mutex.md5 == "ec40c6c5018802636a2f1966bcee190c"
    assert mutex.platforms == ("linux/amd64",)
    libgcc = found["libgcc", "linux-64"]
    assert libgcc.build == "h77fa898_1"
    assert libgcc.depends == ("_libgcc_mutex 0.1 conda_forge", "_openmp_mutex >=4.5")
    assert found["libgcc", "linux-aarch64"].platforms == ("linux/arm64",)
    # one noarch file, once per platform in conda-lock: one record with both platforms
    assert found["tzdata", "noarch"].platforms == BOTH
    assert read.pip == PIP


def test_reads_only_the_platforms_asked_for() -> None:
    read = read_conda_lock(FIXTURES / "conda-lock.yml", ("linux/arm64",))
    assert {(r.name, r.platforms) for r in read.packages} == {
        ("libgcc", ("linux/arm64",)),
        ("tzdata", ("linux/arm64",)),
    }
    assert read.pip == PIP[1:]
    assert set(read.content_hashes) == {"linux/arm64"}


def test_a_build_field_is_taken_over_the_file_name(tmp_path: Path) -> None:
    data = yaml.safe_load((FIXTURES / "conda-lock.yml").read_text())
    data["package"][0]["build"] = "conda_forge"
    data["package"][0]["url"] = data["package"][0]["url"].replace("-0.1-conda_forge", "-renamed")
    path = tmp_path / "conda-lock.yml"
    path.write_text(yaml.safe_dump(data))
    assert read_conda_lock(path, BOTH).packages[0].build == "conda_forge"


def test_credentials_in_urls_are_not_kept(tmp_path: Path) -> None:
    data = yaml.safe_load((FIXTURES / "conda-lock.yml").read_text())
    data["package"][0]["url"] = data["package"][0]["url"].replace("https://", "https://u:p@")
    path = tmp_path / "conda-lock.yml"
    path.write_text(yaml.safe_dump(data))
    assert read_conda_lock(path, BOTH).packages[0].url.startswith("https://conda.example.org/")


# --- writing --------------------------------------------------------------------------------


def test_round_trip() -> None:
    read = _read_text(_write())
    assert read.packages == RECORDS
    assert read.pip == PIP
    assert read.channels == (CHANNEL,)
    assert read.content_hashes == HASHES


def test_rewrite_is_byte_identical() -> None:
    first = _write()
    read = _read_text(first)
    again = write_conda_lock(
        tuple(reversed(read.packages)),
        tuple(reversed(read.pip)),
        read.channels,
        tuple(reversed(BOTH)),
        read.content_hashes,
        sources=("environment.yml",),
    )
    assert again == first
    assert _write(tuple(reversed(RECORDS))) == first


def test_written_entries_follow_conda_lock() -> None:
    text = _write()
    assert text.startswith("# generated by reproenv")
    data = yaml.safe_load(text)
    assert list(data) == ["version", "metadata", "package"]
    assert data["version"] == 1
    assert data["metadata"] == {
        "content_hash": {"linux-64": "a" * 64, "linux-aarch64": "b" * 64},
        "channels": [{"url": CHANNEL, "used_env_vars": []}],
        "platforms": ["linux-64", "linux-aarch64"],
        "sources": ["environment.yml"],
    }
    conda = [e for e in data["package"] if e["manager"] == "conda"]
    # noarch once per platform, as conda-lock lists it; sorted by manager, name, platform
    assert [(e["name"], e["platform"]) for e in data["package"]] == [
        ("libzlib", "linux-64"),
        ("libzlib", "linux-aarch64"),
        ("python", "linux-64"),
        ("tzdata", "linux-64"),
        ("tzdata", "linux-aarch64"),
        ("six", "linux-64"),
        ("six", "linux-aarch64"),
    ]
    for entry in conda:
        assert list(entry) == [
            "name", "version", "manager", "platform", "dependencies", "url", "hash",
            "category", "optional",
        ]  # fmt: skip
        assert set(entry["hash"]) == {"md5", "sha256"}
        assert (entry["category"], entry["optional"]) == ("main", False)
    assert conda[2]["dependencies"] == {"libzlib": ">=1.3.1,<2.0a0", "tzdata": ""}
    assert data["package"][-1]["hash"] == {"sha256": SIX_SHA}


def test_platforms_outside_the_lock_are_not_written() -> None:
    text = write_conda_lock(RECORDS, PIP, (CHANNEL,), ("linux/arm64",), HASHES)
    data = yaml.safe_load(text)
    assert {e["platform"] for e in data["package"]} == {"linux-aarch64"}
    assert data["metadata"]["content_hash"] == {"linux-aarch64": "b" * 64}


def test_every_platform_needs_a_content_hash() -> None:
    with pytest.raises(ValueError, match="linux/arm64"):
        write_conda_lock(RECORDS, PIP, (CHANNEL,), BOTH, {"linux/amd64": "a" * 64})


def test_dependency_map() -> None:
    assert dependency_map(["zlib", "python >=3.9,<3.13", "libgcc >=13", "libgcc <15"]) == {
        "libgcc": ">=13,<15",
        "python": ">=3.9,<3.13",
        "zlib": "",
    }
    # a build string cannot be merged: the first spec stands
    assert dependency_map(["a 1.0 h1_0", "a >=1"]) == {"a": "1.0 h1_0"}


def test_conda_subdir_refuses_other_platforms() -> None:
    assert conda_subdir("linux/arm64") == "linux-aarch64"
    with pytest.raises(ReproenvError, match="linux/386"):
        conda_subdir("linux/386")


def _read_text(text: str) -> CondaLockInput:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "conda-lock.yml"
        path.write_text(text, encoding="utf-8")
        return read_conda_lock(path, BOTH)


# --- errors: each names the file and the key ------------------------------------------------


def _fixture() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((FIXTURES / "conda-lock.yml").read_text())
    return data


def _with(change: Callable[[dict[str, Any]], None]) -> str:
    data = copy.deepcopy(_fixture())
    change(data)
    return yaml.safe_dump(data)


def _drop_sha256(data: dict[str, Any]) -> None:
    del data["package"][4]["hash"]["sha256"]


ERRORS = {
    "not yaml": ("version: 1\npackage: [\n", "conda-lock-not-yaml", "conda-lock.yml:3: not valid"),
    "not a mapping": (
        "- a\n- b\n",
        "conda-lock-not-mapping",
        "conda-lock.yml: not a mapping but list",
    ),
    "wrong version": (
        _with(lambda d: d.update(version=3)),
        "conda-lock-version",
        "conda-lock.yml: version: format version 3",
    ),
    "no version": (
        _with(lambda d: d.pop("version")),
        "conda-lock-version",
        "conda-lock.yml: version: format version None",
    ),
    "sha256 missing": (
        _with(_drop_sha256),
        "conda-lock-hash-missing",
        "conda-lock.yml: package[4].hash: sha256 missing",
    ),
    "md5 missing": (
        _with(lambda d: d["package"][1]["hash"].pop("md5")),
        "conda-lock-hash-missing",
        "conda-lock.yml: package[1].hash: md5 missing",
    ),
    "pip sha256 missing": (
        _with(lambda d: d["package"][7]["hash"].pop("sha256")),
        "conda-lock-hash-missing",
        "conda-lock.yml: package[7].hash: sha256 missing",
    ),
    "url without a scheme": (
        _with(lambda d: d["package"][1].update(url="linux-64/libgcc-14.2.0-h77fa898_1.conda")),
        "conda-lock-bad-url",
        "conda-lock.yml: package[1].url: 'linux-64/libgcc-14.2.0-h77fa898_1.conda' is not",
    ),
    "url not a package file": (
        _with(lambda d: d["package"][1].update(url="https://conda.example.org/x/linux-64/a.whl")),
        "conda-lock-bad-url",
        "conda-lock.yml: package[1].url:",
    ),
    "url not the name's": (
        _with(lambda d: d["package"][1].update(url=f"{CHANNEL}/linux-64/zlib-1-h0.conda")),
        "conda-lock-bad-url",
        "conda-lock.yml: package[1].url: file zlib-1-h0.conda is not libgcc-14.2.0-<build>",
    ),
    "url of another subdir": (
        _with(lambda d: d["package"][2].update(url=f"{CHANNEL}/linux-64/libgcc-14.2.0-h1.conda")),
        "conda-lock-bad-url",
        "conda-lock.yml: package[2].url: a linux-64 package for linux-aarch64",
    ),
    "field missing": (
        _with(lambda d: d["package"][4].pop("url")),
        "conda-lock-invalid",
        "conda-lock.yml: package[4].url: Field required",
    ),
    "version unquoted": (
        _with(lambda d: d["package"][0].update(version=0.1)),
        "conda-lock-invalid",
        "conda-lock.yml: package[0].version: Input should be a valid string",
    ),
    "unknown manager": (
        _with(lambda d: d["package"][0].update(manager="apt")),
        "conda-lock-invalid",
        "conda-lock.yml: package[0].manager:",
    ),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors_name_the_file_and_key(tmp_path: Path, case: str) -> None:
    text, reference, message = ERRORS[case]
    path = tmp_path / "conda-lock.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReproenvError) as caught:
        read_conda_lock(path, BOTH)
    error = caught.value
    assert error.reference == reference
    assert error.exit_code is ExitCode.BAD_INPUT
    assert str(error).startswith(message), str(error)
    assert error.context["file"] == str(path)
    assert error.hint


def test_a_platform_the_file_lacks_names_those_it_has(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    path.write_text(_with(lambda d: d["metadata"].update(platforms=["linux-64", "osx-arm64"])))
    with pytest.raises(ReproenvError) as caught:
        read_conda_lock(path, BOTH)
    assert caught.value.reference == "conda-lock-platform-missing"
    assert str(caught.value) == (
        "conda-lock.yml: metadata.platforms: no linux-aarch64 (linux/arm64); it locks "
        "linux-64, osx-arm64"
    )
    assert caught.value.context == {"file": str(path), "key": "metadata.platforms"}


def test_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    path.write_bytes(b"version: 1\n# caf\xe9\n")
    with pytest.raises(ReproenvError, match=r"conda-lock.yml:2: not UTF-8 text \(byte 0xe9"):
        read_conda_lock(path, BOTH)


def test_a_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError, match=r"conda-lock\.yml not found"):
        read_conda_lock(tmp_path / "conda-lock.yml", BOTH)


# --- pixi.lock ------------------------------------------------------------------------------


def test_reads_pixi_lock() -> None:
    read = read_pixi_lock(FIXTURES / "pixi.lock", None, BOTH)
    assert read.channels == (CHANNEL,)
    assert read.content_hashes == {}
    found = {(r.name, r.subdir): r for r in read.packages}
    assert sorted(found) == [
        ("_libgcc_mutex", "linux-64"),
        ("libgcc", "linux-64"),
        ("libgcc", "linux-aarch64"),
        ("tzdata", "noarch"),
    ]
    libgcc = found["libgcc", "linux-64"]
    assert (libgcc.version, libgcc.build, libgcc.channel) == ("14.2.0", "h77fa898_1", CHANNEL)
    assert libgcc.sha256 == "47118ab9195bf64d86d128995b2fc5ee9ab140379e2b7fe04b050e99a2cd20c0"
    assert libgcc.md5 == "cc23d13b03b9c49b3d3465fef0a7cf3e"
    assert libgcc.depends == ("_libgcc_mutex 0.1 conda_forge", "_openmp_mutex >=4.5")
    assert libgcc.constrains == ("libgomp 14.2.0 h77fa898_1",)
    assert libgcc.size == 848745
    assert found["tzdata", "noarch"].platforms == BOTH
    assert read.pip == PIP
    # the same packages as conda-lock's file of them, but for the channel's spelling and what
    # conda-lock does not keep
    same = read_conda_lock(FIXTURES / "conda-lock.yml", BOTH)
    assert [r.url for r in read.packages] == [r.url for r in same.packages]


def test_pixi_lock_named_environment() -> None:
    read = read_pixi_lock(FIXTURES / "pixi.lock", "test", ("linux/amd64",))
    assert [(r.name, r.platforms) for r in read.packages] == [("tzdata", ("linux/amd64",))]
    assert read.pip == ()


def test_pixi_lock_unknown_environment_names_those_it_has() -> None:
    with pytest.raises(ReproenvError) as caught:
        read_pixi_lock(FIXTURES / "pixi.lock", "gpu", BOTH)
    assert caught.value.reference == "pixi-environment-missing"
    assert str(caught.value) == (
        "pixi.lock: environments.gpu: no environment 'gpu'; it has default, test"
    )


def test_pixi_lock_platform_missing() -> None:
    with pytest.raises(ReproenvError) as caught:
        read_pixi_lock(FIXTURES / "pixi.lock", "test", BOTH)
    assert str(caught.value) == (
        "pixi.lock: environments.test: no linux-aarch64 (linux/arm64); it locks linux-64"
    )
    assert caught.value.context["file"] == str(FIXTURES / "pixi.lock")


@pytest.mark.parametrize(
    ("text", "message"),
    [("version: 6\nplatforms: [\n", "pixi.lock: not a lock file"), ("a: 1\n", "missing `version`")],
)
def test_pixi_lock_damaged(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "pixi.lock"
    path.write_text(text)
    with pytest.raises(ReproenvError, match=message) as caught:
        read_pixi_lock(path, None, BOTH)
    assert caught.value.reference == "pixi-lock-invalid"


def test_reads_a_pixi_lock_rattler_wrote(tmp_path: Path) -> None:
    from rattler import LockChannel, LockFile, LockPlatform, PackageRecord, RepoDataRecord
    from rattler.package.build_string import BuildString

    lock = LockFile([LockPlatform("linux-64"), LockPlatform("linux-aarch64")])
    lock.set_channels("default", [LockChannel(CHANNEL + "/")])
    for source in RECORDS:
        record = PackageRecord(
            name=source.name,
            version=source.version,
            build=BuildString(source.build),
            build_number=0,
            subdir=source.subdir,
            depends=list(source.depends),
            sha256=bytes.fromhex(source.sha256),
            md5=bytes.fromhex(source.md5),
        )
        file_name = source.url.rsplit("/", 1)[1]
        for platform in source.platforms:
            lock.add_conda_package(
                "default",
                LockPlatform(conda_subdir(platform)),
                RepoDataRecord(record, file_name, source.url, CHANNEL + "/"),
            )
    lock.add_pypi_package(
        "default", LockPlatform("linux-64"), "six", "1.17.0", f"{SIX_URL}#sha256={SIX_SHA}"
    )
    path = tmp_path / "pixi.lock"
    lock.to_path(path)
    read = read_pixi_lock(path, "default", BOTH)
    assert read.packages == RECORDS
    assert read.pip == PIP[:1]


# --- the real conda-lock reads what reproenv writes -----------------------------------------


@pytest.mark.network
def test_conda_lock_renders_what_we_write(tmp_path: Path) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed: it runs conda-lock")
    tool = [uv, "tool", "run", "--from", "conda-lock==4.0.3", "conda-lock"]
    fetched = subprocess.run([*tool, "--version"], capture_output=True, text=True, timeout=600)
    if fetched.returncode != 0:
        pytest.skip(f"uv could not fetch conda-lock 4.0.3: {fetched.stderr.strip()[-500:]}")
    (tmp_path / "conda-lock.yml").write_text(_write(), encoding="utf-8")
    rendered = subprocess.run(
        [*tool, "render", "-k", "explicit", "--platform", "linux-64", "conda-lock.yml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert rendered.returncode == 0, rendered.stderr
    explicit = (tmp_path / "conda-linux-64.lock").read_text()
    assert "@EXPLICIT" in explicit
    assert f"# input_hash: {'a' * 64}" in explicit
    for record in RECORDS:
        line = f"{record.url}#{record.md5}"
        assert (line in explicit) == ("linux/amd64" in record.platforms), line
    assert f"# pip six @ {SIX_URL}#sha256={SIX_SHA}" in explicit
