"""The conda test bed: real archives rattler reads, repodata rattler writes, channels it solves."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
import rattler
from rattler.exceptions import SolverError
from rattler.package_streaming import extract

from tests.fakes.conda_channel import (
    ChannelServer,
    CondaPackage,
    ServedChannel,
    build_channel,
    package_bytes,
    repodata,
    standard_packages,
    synthetic_repodata,
    write_package,
)
from tests.fakes.conda_synthetic import synthetic_names


def solve(
    tmp_path: Path,
    channels: Sequence[str],
    specs: Sequence[str],
    platform: str = "linux-64",
    cuda: str | None = None,
) -> dict[str, rattler.RepoDataRecord]:
    virtual = []
    if cuda is not None:
        virtual = [
            rattler.GenericVirtualPackage(
                rattler.PackageName("__cuda"), rattler.Version(cuda), rattler.BuildString("0")
            )
        ]
    records = asyncio.run(
        rattler.solve(
            list(channels),
            list(specs),
            gateway=rattler.Gateway(cache_dir=tmp_path / "rattler-cache"),
            platforms=[platform, "noarch"],
            virtual_packages=virtual,
        )
    )
    return {r.name.normalized: r for r in records}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield client


def fetch(http: httpx.Client, url: str) -> bytes:
    response = http.get(url)
    response.raise_for_status()
    return response.content


def versions(records: dict[str, rattler.RepoDataRecord]) -> dict[str, str]:
    return {name: str(r.version) for name, r in records.items()}


def test_the_standard_channel_solves_over_loopback(
    conda_channel: ServedChannel, tmp_path: Path
) -> None:
    records = solve(tmp_path, [conda_channel.url], ["scikit-learn"])
    assert versions(records) == {
        "scikit-learn": "1.5.0",
        "numpy": "2.1.0",
        "python": "3.12.4",
        "libzlib": "1.3.1",
        "libblas": "3.9.0",
        "threadpoolctl": "3.5.0",
    }
    assert str(records["libblas"].build) == "20_linux64_openblas"  # mkl carries a track feature
    assert records["threadpoolctl"].url.startswith(f"{conda_channel.url}/noarch/")
    assert records["numpy"].url == f"{conda_channel.url}/linux-64/numpy-2.1.0-py3h0_0.conda"
    assert "/standard/linux-64/repodata.json" in conda_channel.requests
    assert "/standard/noarch/repodata.json" in conda_channel.requests


def test_what_the_standard_channel_pins_down(conda_channel: ServedChannel, tmp_path: Path) -> None:
    url = [conda_channel.url]
    assert versions(solve(tmp_path, url, ["pandas", "scikit-learn"]))["numpy"] == "1.26.4"
    assert str(solve(tmp_path, url, ["libblas * *mkl"])["libblas"].build) == "20_linux64_mkl"
    with pytest.raises(SolverError):
        solve(tmp_path, url, ["libblas * *mkl"], platform="linux-aarch64")
    aarch64 = solve(tmp_path, url, ["numpy", "python=3.11"], platform="linux-aarch64")
    assert aarch64["python"].url.endswith("/linux-aarch64/python-3.11.9-h0_0_cpython.tar.bz2")
    assert versions(solve(tmp_path, url, ["tqdm<4.67"]))["tqdm"] == "4.66.0"


def test_cuda_packages_follow_the_virtual_package(
    conda_channel: ServedChannel, tmp_path: Path
) -> None:
    url = [conda_channel.url]
    assert versions(solve(tmp_path, url, ["cupy-fake"], cuda="12.4"))["cuda-version"] == "12.4"
    with pytest.raises(SolverError):
        solve(tmp_path, url, ["cupy-fake"])  # no GPU: no __cuda
    with pytest.raises(SolverError):
        solve(tmp_path, url, ["cupy-fake"], cuda="11.8")
    # cuda-version 12.4 constrains __cuda >=12: a CUDA 11.8 driver gets 11.8
    assert versions(solve(tmp_path, url, ["cuda-version"], cuda="11.8"))["cuda-version"] == "11.8"


def test_repodata_hashes_are_those_of_the_served_bytes(
    conda_channel: ServedChannel, http: httpx.Client
) -> None:
    seen = set()
    for subdir in ("noarch", "linux-64", "linux-aarch64"):
        for filename, record in repodata(conda_channel.path, subdir).items():
            body = fetch(http, f"{conda_channel.url}/{subdir}/{filename}")
            assert record["sha256"] == hashlib.sha256(body).hexdigest(), filename
            assert record["md5"] == hashlib.md5(body, usedforsecurity=False).hexdigest()
            assert record["size"] == len(body)
            seen.add(filename)
    assert {p.filename for p in standard_packages()} == seen


def test_both_formats_are_packages_rattler_reads(tmp_path: Path) -> None:
    files = {"site-packages/demo/__init__.py": b"x = 1\n", "bin/demo": b"#!/bin/sh\n"}
    for fmt in (".conda", ".tar.bz2"):
        pkg = CondaPackage(
            "demo", "1.0", "pyh0_0", depends=("python >=3.8",), noarch="python",
            files=files, format=fmt, timestamp=1_700_000_000_000,
        )  # fmt: skip
        path = write_package(pkg, tmp_path / "channel")
        assert path == tmp_path / "channel" / "noarch" / f"demo-1.0-pyh0_0{fmt}"
        index = rattler.IndexJson.from_package_archive(path)
        assert (index.name.normalized, str(index.version), str(index.build)) == (
            "demo",
            "1.0",
            "pyh0_0",
        )
        assert index.depends == ["python >=3.8"]
        assert index.noarch.python
        paths = rattler.PathsJson.from_package_archive(path)
        assert {str(p.relative_path): (p.sha256.hex(), p.size_in_bytes) for p in paths.paths} == {
            name: (hashlib.sha256(data).hexdigest(), len(data)) for name, data in files.items()
        }
        sha256, _ = extract(path, tmp_path / f"extracted{fmt}")
        assert sha256.hex() == hashlib.sha256(path.read_bytes()).hexdigest()
        for name, data in files.items():
            assert (tmp_path / f"extracted{fmt}" / name).read_bytes() == data


def test_the_same_package_gives_the_same_bytes() -> None:
    for pkg in standard_packages():
        assert package_bytes(pkg) == package_bytes(dataclasses.replace(pkg))
    tqdm = next(p for p in standard_packages() if p.format == ".conda" and p.noarch == "python")
    changed = dataclasses.replace(tqdm, files={"site-packages/x.py": b"evil\n"})
    assert changed.filename == tqdm.filename
    assert package_bytes(changed) != package_bytes(tqdm)


def test_a_rewritten_archive_is_served_as_rewritten(
    conda_channel: ServedChannel, http: httpx.Client
) -> None:
    pkg = next(p for p in standard_packages() if p.name == "threadpoolctl")
    recorded = repodata(conda_channel.path, "noarch")[pkg.filename]["sha256"]
    write_package(dataclasses.replace(pkg, files={"x.py": b"changed\n"}), conda_channel.path)
    body = fetch(http, f"{conda_channel.url}/noarch/{pkg.filename}")
    assert hashlib.sha256(body).hexdigest() != recorded  # the repodata still says the old one


def test_an_empty_subdir_is_indexed_too(tmp_path: Path) -> None:
    only = CondaPackage("only", "1")
    channel = build_channel(tmp_path / "c", [only], subdirs=("linux-64", "linux-aarch64"))
    assert sorted(p.name for p in channel.iterdir()) == ["linux-64", "linux-aarch64", "noarch"]
    assert list(repodata(channel, "noarch")) == ["only-1-0.conda"]
    assert repodata(channel, "linux-aarch64") == {}


def test_a_noarch_package_lives_in_noarch() -> None:
    with pytest.raises(ValueError, match="noarch"):
        CondaPackage("x", "1", subdir="linux-64", noarch="python")
    assert CondaPackage("x", "1").noarch == "generic"
    assert CondaPackage("x", "1", subdir="linux-64").noarch is None


def test_the_token_server_serves_under_the_token_alone(
    standard_conda_channel: Path, tmp_path: Path, http: httpx.Client
) -> None:
    with ChannelServer(standard_conda_channel.parent, token="abc") as server:
        name = standard_conda_channel.name
        assert server.url(name, with_token=True) == f"{server.address}/t/abc/{name}"
        for url, status in [
            (f"{server.url(name)}/noarch/repodata.json", 401),
            (f"{server.address}/t/wrong/{name}/noarch/repodata.json", 403),
            (f"{server.address}/t/abc/{name}/noarch/missing.json", 404),
        ]:
            assert http.get(url).status_code == status, url
        records = solve(tmp_path, [server.url(name, with_token=True)], ["tqdm"])
        assert records["tqdm"].url.startswith(f"{server.address}/t/abc/{name}/noarch/")
        assert f"/t/abc/{name}/noarch/repodata.json" in server.requests
        assert f"/{name}/noarch/repodata.json" in server.requests  # the refused one, recorded


def test_a_channel_server_records_what_it_was_asked(
    conda_channel: ServedChannel, http: httpx.Client
) -> None:
    assert conda_channel.requests == []
    url = f"{conda_channel.url}/noarch/repodata.json"
    first = http.get(url)
    assert first.json()["info"]["subdir"] == "noarch"
    again = http.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # what lets a client revalidate its cached repodata
    for outside in ("/standard/../standard/noarch/repodata.json", "/%2e%2e/conftest.py", "/"):
        assert conda_channel.server.answer(outside) == (404, None)
    assert conda_channel.requests[:2] == ["/standard/noarch/repodata.json"] * 2


def test_solved_records_install_from_the_channel(
    conda_channel: ServedChannel, tmp_path: Path
) -> None:
    records = solve(tmp_path, [conda_channel.url], ["scikit-learn", "tqdm"])
    prefix = tmp_path / "env"
    asyncio.run(
        rattler.install(
            list(records.values()),
            target_prefix=prefix,
            cache_dir=tmp_path / "pkgs",
            show_progress=False,
        )
    )
    site = prefix / "lib" / "python3.12" / "site-packages"  # noarch python, placed for 3.12
    assert (site / "tqdm" / "__init__.py").read_text() == '__version__ = "4.67.0"\n'
    assert (prefix / "bin" / "python").read_bytes().startswith(b"#!/bin/sh")
    assert (prefix / "conda-meta" / "numpy-2.1.0-py3h0_0.json").is_file()


def test_the_synthetic_channel_is_large_deterministic_and_solves(tmp_path: Path) -> None:
    first = synthetic_repodata(tmp_path / "a")
    synthetic_repodata(tmp_path / "b")
    count = 0
    for subdir in ("noarch", "linux-64"):
        body = (first / subdir / "repodata.json").read_bytes()
        assert body == (tmp_path / "b" / subdir / "repodata.json").read_bytes()
        count += len(json.loads(body)["packages.conda"])
    assert 5000 <= count < 5100
    names = synthetic_names(first)
    assert len(names) > 300
    records = solve(tmp_path, [str(first)], names[-40:])
    assert set(names[-40:]) <= set(records)
    assert len(records) > 100  # the fan-out pulls in much of the channel
