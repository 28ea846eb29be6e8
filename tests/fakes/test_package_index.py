"""The fake package index is good enough for the real `uv pip compile` and `pip install`.

Everything here runs against 127.0.0.1 only; no test may reach a real index.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.package_index import FakeIndex, FakePackage, build_sdist, build_wheel

BIN = Path(sys.executable).parent
UV = BIN / ("uv.exe" if os.name == "nt" else "uv")

GRAPH = [
    FakePackage(
        "app",
        "1.0",
        requires=["lib>=1", 'extra-dep; extra == "cli"', 'tomli; python_version < "3.11"'],
        extras=["cli"],
    ),
    FakePackage("lib", "1.0"),
    FakePackage("lib", "2.0"),
    FakePackage("extra-dep", "1.0"),
    FakePackage("tomli", "2.0.1", requires_python=">=3.7"),
]
LIB_2_WHEEL_SHA256 = "ad42685900b1d5539963c73e9c13e05b4b0e5ee6df09bcb3121e89d52fd33026"
LIB_2_SDIST_SHA256 = "3f45cf13655b0568b3b45b8f2336b16a34b5d06152375afd6f5fcb3e780fba94"
NATIVE = FakePackage("native", "1.0", platform_tags=["cp311-cp311-manylinux_2_28_aarch64"])


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment minus every pip/uv setting that could point elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    return {**env, **extra}


def compile_(
    tmp_path: Path,
    index_url: str,
    requirements: str,
    *,
    python_version: str = "3.11",
    platform: str = "x86_64-manylinux_2_28",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`uv pip compile` as the product runs it, pinned to this interpreter.

    `--python` and `--no-python-downloads` keep uv from fetching a CPython for a
    `--python-version` it cannot find locally (that would reach github.com).
    """
    (tmp_path / "requirements.in").write_text(requirements)
    return subprocess.run(
        [
            str(UV),
            "pip",
            "compile",
            "--no-config",
            "--no-cache",
            "--no-python-downloads",
            "--python",
            sys.executable,
            "--generate-hashes",
            "--index-url",
            index_url,
            "--python-version",
            python_version,
            "--python-platform",
            platform,
            "requirements.in",
            "-o",
            "-",
        ],
        cwd=tmp_path,
        env=clean_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def pins(compiled: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", compiled, re.MULTILINE))


def hashes_of(compiled: str, name: str) -> set[str]:
    """The `--hash=sha256:` values under the `name==...` line."""
    block = re.search(rf"^{re.escape(name)}==.*?(?=^\S|\Z)", compiled, re.MULTILINE | re.DOTALL)
    assert block is not None, compiled
    return set(re.findall(r"--hash=sha256:([0-9a-f]{64})", block.group(0)))


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with FakeIndex([*GRAPH, NATIVE]).serve() as running:
        yield running


def test_wheels_and_sdists_are_byte_for_byte_deterministic(tmp_path: Path) -> None:
    pkg = FakePackage(
        "Some.Pkg",
        "1.2.3",
        requires=['tomli>=1; python_version < "3.11"', 'rich; extra == "cli"'],
        requires_python=">=3.9",
    )
    for tag in ("py3-none-any", "cp311-cp311-manylinux_2_28_x86_64"):
        first = build_wheel(pkg, tag, tmp_path / "a")
        second = build_wheel(pkg, tag, tmp_path / "b")
        assert first.name == second.name == f"some_pkg-1.2.3-{tag}.whl"
        assert first.read_bytes() == second.read_bytes()
    assert build_sdist(pkg, tmp_path / "a").read_bytes() == (
        build_sdist(pkg, tmp_path / "b").read_bytes()
    )


def test_wheel_hash_is_stable_across_machines(tmp_path: Path) -> None:
    """Pinned: a change here invalidates every golden lock that embeds fake-index hashes."""
    lib = FakePackage("lib", "2.0")
    wheel = build_wheel(lib, "py3-none-any", tmp_path)
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == LIB_2_WHEEL_SHA256
    sdist = build_sdist(lib, tmp_path)
    assert hashlib.sha256(sdist.read_bytes()).hexdigest() == LIB_2_SDIST_SHA256


def test_serves_pep503_pages_with_hashes_and_pep658_metadata(index: FakeIndex) -> None:
    page = urllib.request.urlopen(f"{index.url}/lib/").read().decode()  # noqa: S310
    for name, digest in index.hashes.items():
        if name.startswith("lib-"):
            assert f'href="../../files/{name}#sha256={digest}"' in page
    assert 'data-core-metadata="sha256=' in page
    wheel = "app-1.0-py3-none-any.whl"
    served = urllib.request.urlopen(f"{index.root}/files/{wheel}.metadata").read()  # noqa: S310
    assert b"Provides-Extra: cli" in served
    assert served.decode() in index.files[wheel].read_bytes().decode("latin-1")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{index.url}/nothing-here/")  # noqa: S310
    assert missing.value.code == 404


def test_uv_compile_resolves_extras_markers_and_hashes(index: FakeIndex, tmp_path: Path) -> None:
    done = compile_(tmp_path, index.url, "app[cli]\n")
    assert done.returncode == 0, done.stderr
    assert pins(done.stdout) == {"app": "1.0", "extra-dep": "1.0", "lib": "2.0"}
    for name, version in pins(done.stdout).items():
        wheel = index.files_dir / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        assert hashes_of(done.stdout, name) == {hashlib.sha256(wheel.read_bytes()).hexdigest()}

    plain = compile_(tmp_path, index.url, "app\n")
    assert plain.returncode == 0, plain.stderr
    assert "extra-dep" not in pins(plain.stdout)

    old = compile_(tmp_path, index.url, "app[cli]\n", python_version="3.10")
    assert old.returncode == 0, old.stderr
    assert pins(old.stdout) == {"app": "1.0", "extra-dep": "1.0", "lib": "2.0", "tomli": "2.0.1"}
    assert all(path.startswith(("/simple", "/files")) for path, _ in index.requests)


def test_platform_wheels_only_resolve_for_their_platform(index: FakeIndex, tmp_path: Path) -> None:
    arm = compile_(tmp_path, index.url, "native\n", platform="aarch64-manylinux_2_28")
    assert arm.returncode == 0, arm.stderr
    assert pins(arm.stdout) == {"native": "1.0"}
    wheel = index.files["native-1.0-cp311-cp311-manylinux_2_28_aarch64.whl"]
    assert hashes_of(arm.stdout, "native") == {hashlib.sha256(wheel.read_bytes()).hexdigest()}

    x86 = compile_(tmp_path, index.url, "native\n", platform="x86_64-manylinux_2_28")
    assert x86.returncode != 0, x86.stdout
    assert "native" in x86.stderr


def test_basic_auth_is_required_and_accepted(tmp_path: Path) -> None:
    with FakeIndex(GRAPH, username="u", password="p").serve() as index:
        denied = compile_(tmp_path, index.url, "lib\n")
        assert denied.returncode != 0, denied.stdout
        assert "401" in denied.stderr
        assert index.requests and all(auth is None for _, auth in index.requests)

        index.requests.clear()
        allowed = compile_(tmp_path, f"http://u:p@127.0.0.1:{index.port}/simple", "lib\n")
        assert allowed.returncode == 0, allowed.stderr
        assert pins(allowed.stdout) == {"lib": "2.0"}
        assert index.requests
        assert all(auth == "Basic dTpw" for _, auth in index.requests), index.requests


def test_failure_injection(tmp_path: Path) -> None:
    with FakeIndex(GRAPH, status_override=503).serve() as index:
        done = compile_(tmp_path, index.url, "lib\n", env={"UV_HTTP_RETRIES": "0"})
        assert done.returncode != 0
        assert "503" in done.stderr
        assert index.requests


def test_pip_installs_the_compiled_lock_with_require_hashes(
    index: FakeIndex, tmp_path: Path
) -> None:
    done = compile_(tmp_path, index.url, "app[cli]\n")
    assert done.returncode == 0, done.stderr
    lock = tmp_path / "requirements.txt"
    lock.write_text(done.stdout)
    target = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--require-hashes",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--no-input",
            "--index-url",
            index.url,
            "-r",
            str(lock),
            "--target",
            str(target),
        ],
        env=clean_env(PIP_CONFIG_FILE=os.devnull),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (target / "lib" / "__init__.py").read_text() == '__version__ = "2.0"\n'
    for dist in ("app-1.0", "lib-2.0", "extra_dep-1.0"):
        assert (target / f"{dist}.dist-info" / "RECORD").is_file()
    assert any(path.startswith("/files/lib-2.0") for path, _ in index.requests)


def test_upload_times_are_served_in_the_pep691_json_api() -> None:
    """uv's --exclude-newer reads PEP 700 `upload-time`, which only the JSON API carries."""
    import json

    packages = [FakePackage("lib", "1.0", upload_time="2022-01-10T08:00:00Z")]
    with FakeIndex(packages).serve() as dated:
        ask = {"Accept": "application/vnd.pypi.simple.v1+json"}
        request = urllib.request.Request(f"{dated.url}/lib/", headers=ask)  # noqa: S310
        with urllib.request.urlopen(request) as response:  # noqa: S310
            assert response.headers["Content-Type"] == "application/vnd.pypi.simple.v1+json"
            page = json.loads(response.read())
        assert page["meta"]["api-version"] == "1.1" and page["versions"] == ["1.0"]
        (file,) = page["files"]
        assert file["upload-time"] == "2022-01-10T08:00:00Z"
        assert file["hashes"]["sha256"] == dated.hashes[file["filename"]]
        html = urllib.request.urlopen(f"{dated.url}/lib/").read().decode()  # noqa: S310
        assert html.startswith("<!DOCTYPE html>")  # without the Accept, HTML as before
