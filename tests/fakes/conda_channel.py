"""Local conda channels on loopback: real package archives, rattler's own index, a token gate.

Why it exists: the conda locker solves with py-rattler against channels, and tests may not reach
the real ones. This module puts tiny, deterministic conda packages (`.conda` and `.tar.bz2`,
made from `CondaPackage` descriptions by tests/fakes/conda_packages.py) into channel folders,
indexes them with `rattler.index.index_fs` (so the repodata is what the real tooling writes,
sha256 and md5 of the archives included) and serves the folders over HTTP on 127.0.0.1,
optionally behind a token in the URL path (`/t/<token>/`, as conda's default host takes it).
`standard_packages()` is the locker tests' channel, `synthetic_repodata()` a large one for the
solver's benchmark.

    channel = build_channel(tmp_path / "channels" / "local", standard_packages())
    with ChannelServer(channel.parent) as server:
        asyncio.run(rattler.solve([server.url("local")], ["scikit-learn"], platforms=[...]))

A channel folder is `<channel>/<subdir>/repodata.json` with the archives beside it; noarch/ and
every subdir asked for are indexed even when empty, as a channel must be. The archives' bytes are
the same on every run; repodata.json's are not, since the indexer
stamps each record's `indexed_timestamp` with the time it ran.

Changed bytes after locking: the server reads each file from disk on every request, so a test
rewrites the archive (`write_package(dataclasses.replace(pkg, files=...), channel)` writes the
same filename with other bytes) and does not re-index: the repodata keeps the old sha256.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import mimetypes
import shutil
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.fakes.conda_packages import (
    ARCH_SUBDIRS,
    CondaPackage,
    Format,
    Subdir,
    package_bytes,
    write_package,
)
from tests.fakes.conda_synthetic import synthetic_repodata
from tests.fakes.http import QuietHandler

__all__ = [
    "ARCH_SUBDIRS",
    "ChannelServer",
    "CondaPackage",
    "ServedChannel",
    "Subdir",
    "build_channel",
    "conda_channel",
    "package_bytes",
    "repodata",
    "standard_conda_channel",
    "standard_packages",
    "synthetic_repodata",
    "write_package",
]


def build_channel(
    root: Path,
    packages: Iterable[CondaPackage],
    subdirs: Iterable[str] = ARCH_SUBDIRS,
    *,
    write_zst: bool = False,
    write_shards: bool = False,
) -> Path:
    """Writes every package into the channel folder `root` and indexes it with rattler:
    repodata.json in noarch/, in each of `subdirs` and in any other subdir a package lives in.
    Plain repodata.json only unless asked (clients fall back to it on a 404 for the others)."""
    packages = list(packages)
    for subdir in {"noarch", *subdirs, *(pkg.subdir for pkg in packages)}:
        (root / subdir).mkdir(parents=True, exist_ok=True)
    for pkg in packages:
        write_package(pkg, root)
    from rattler.index import index_fs  # here: conftest imports this module, rattler takes 0.2 s

    # force: a rewritten archive under an indexed name is read again, not taken from the index
    asyncio.run(index_fs(root, write_zst=write_zst, write_shards=write_shards, force=True))
    with contextlib.suppress(OSError):
        (root / ".tmp").rmdir()  # the indexer's scratch folder, left empty
    return root


def repodata(channel_dir: Path, subdir: str) -> dict[str, dict[str, object]]:
    """filename -> record of one subdir's repodata.json, both formats together."""
    doc = json.loads((channel_dir / subdir / "repodata.json").read_text())
    return {**doc.get("packages", {}), **doc.get("packages.conda", {})}


def _ms(day: str) -> int:
    """A release day as repodata's timestamp: milliseconds since the epoch, UTC midnight."""
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000)


def _module(name: str, version: str) -> dict[str, bytes]:
    return {f"site-packages/{name}/__init__.py": f'__version__ = "{version}"\n'.encode()}


def _arch(name: str, version: str, build: str, day: str, *depends: str) -> list[CondaPackage]:
    """A compiled Python library: one build for both arches and both Pythons (never run)."""
    module = {"scikit-learn": "sklearn"}.get(name, name)
    files = {
        f"lib/python3/site-packages/{module}/__init__.py": f"__version__ = {version!r}\n".encode()
    }
    return [
        CondaPackage(name, version, build, 0, subdir, depends, files=files, timestamp=_ms(day))
        for subdir in ARCH_SUBDIRS
    ]


def _python(version: str, day: str) -> list[CondaPackage]:
    script = f"#!/bin/sh\necho 'Python {version}'\n".encode()  # it need not run
    return [
        CondaPackage(
            "python",
            version,
            "h0_0_cpython",
            subdir=subdir,
            depends=("libzlib >=1.3.1,<2.0a0",),
            files={"bin/python": script},
            format=".conda" if subdir == "linux-64" else ".tar.bz2",
            timestamp=_ms(day),
        )
        for subdir in ARCH_SUBDIRS
    ]


def _noarch_python(
    name: str, version: str, build: str, day: str, format: Format = ".conda"
) -> CondaPackage:
    return CondaPackage(
        name,
        version,
        build,
        depends=("python >=3.8",),
        noarch="python",
        files=_module(name, version),
        format=format,
        timestamp=_ms(day),
    )


def standard_packages() -> list[CondaPackage]:
    """A tiny, realistic channel for the locker's tests, both archive formats mixed.

    What a solve picks: python 3.12.4, numpy 2.1.0 and libblas' openblas build (its mkl build,
    linux-64 only, carries a track feature, so it comes only when asked: `libblas=*=*mkl`);
    pandas 2.2.2 holds numpy below 2 (numpy 1.26.4); cupy-fake needs a `__cuda >=12` virtual
    package; cuda-version constrains `__cuda` as conda-forge's does.
    """
    blas = ("libblas >=3.9.0,<4.0a0",)
    py = "python >=3.11,<3.13"
    libzlib = [
        CondaPackage(
            "libzlib",
            "1.3.1",
            "h0_2",
            2,
            subdir,
            files={"lib/libz.so.1": b"\x7fELF"},
            timestamp=_ms("2024-01-23"),
        )
        for subdir in ARCH_SUBDIRS
    ]
    libblas = [
        CondaPackage(
            "libblas",
            "3.9.0",
            f"20_{subdir.replace('-', '')}_openblas",
            20,
            subdir,
            files={"lib/libblas.so.3": b"openblas"},
            timestamp=_ms("2024-01-11"),
        )
        for subdir in ARCH_SUBDIRS
    ]
    mkl = CondaPackage(
        "libblas",
        "3.9.0",
        "20_linux64_mkl",
        20,
        "linux-64",
        files={"lib/libblas.so.3": b"mkl"},
        track_features=("blas_mkl",),
        timestamp=_ms("2024-01-11"),
        format=".tar.bz2",
    )
    cuda = [
        CondaPackage(
            "cuda-version",
            version,
            build,
            3,
            "noarch",
            (),
            constrains,
            "generic",
            timestamp=_ms(day),
        )
        for version, build, day, constrains in [
            ("11.8", "h70ddcb2_3", "2024-03-15", ("__cuda >=11.8", "cudatoolkit 11.8|11.8.*")),
            ("12.4", "h3060b56_3", "2024-03-15", ("__cuda >=12", "cudatoolkit 12.4|12.4.*")),
        ]
    ]
    cupy = CondaPackage(
        "cupy-fake",
        "13.0",
        "h0_0",
        0,
        "linux-64",
        ("__cuda >=12", "cuda-version >=12"),
        timestamp=_ms("2024-02-22"),
        files={"lib/libcupy_fake.so": b"\x7fELF"},
    )
    return [
        *libzlib,
        *_python("3.11.9", "2024-04-02"),
        *_python("3.12.4", "2024-06-07"),
        *libblas,
        mkl,
        *_arch("numpy", "1.26.4", "py3h0_0", "2024-02-05", py, *blas),
        *_arch("numpy", "2.1.0", "py3h0_0", "2024-08-19", py, *blas),
        *_arch("pandas", "2.2.2", "py3h0_0", "2024-04-11", "numpy >=1.26.0,<2.0a0", py),
        *_arch(
            "scikit-learn",
            "1.5.0",
            "py3h0_0",
            "2024-05-21",
            "numpy >=1.19,<3",
            py,
            "threadpoolctl >=3.1.0",
        ),
        _noarch_python("threadpoolctl", "3.5.0", "pyhc1e730c_0", "2024-04-29", format=".tar.bz2"),
        _noarch_python("tqdm", "4.66.0", "pyhd8ed1ab_0", "2023-08-09", format=".tar.bz2"),
        _noarch_python("tqdm", "4.67.0", "pyhd8ed1ab_0", "2024-11-06"),
        _noarch_python("pip", "24.2", "pyh8b19718_1", "2024-07-29"),
        *cuda,
        cupy,
    ]


class ChannelServer:
    """Serves the channel folders under `root` on 127.0.0.1: `url(name)` is `root/name`.

    With a `token`, as conda's default host does, files are served only under
    `/t/<token>/<name>/...`: a request without a token is answered 401, one with another token
    403. Every request's path (as sent, token included) is appended to `requests`. Files are
    read on each request, and answered with an ETag of their sha256 (a matching If-None-Match
    gets 304).
    """

    def __init__(self, root: Path, *, token: str | None = None) -> None:
        self.root = root
        self.token = token
        self.requests: list[str] = []
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str, *, with_token: bool = False) -> str:
        if with_token and self.token is None:
            raise ValueError("this server was started without a token")
        return f"{self.address}/t/{self.token}/{name}" if with_token else f"{self.address}/{name}"

    def start(self) -> ChannelServer:
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ChannelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str) -> tuple[int, Path | None]:
        """The status for a request path, and the file it names when that is 200."""
        parts = [p for p in unquote(urlsplit(path).path).split("/") if p]
        if self.token is not None:
            if len(parts) < 2 or parts[0] != "t":
                return 401, None
            if parts[1] != self.token:
                return 403, None
            parts = parts[2:]
        if not parts or any(p in (".", "..") for p in parts):
            return 404, None
        file = self.root.joinpath(*parts)
        return (200, file) if file.is_file() else (404, None)


def _handler(server: ChannelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            status, file = server.answer(self.path)
            if file is None:
                self._send(status, f"{status}\n".encode())
                return
            body = file.read_bytes()
            etag = f'"{hashlib.sha256(body).hexdigest()}"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", {"ETag": etag})
                return
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self._send(200, body, {"Content-Type": kind, "ETag": etag})

        do_HEAD = do_GET

    return Handler


@dataclass(frozen=True)
class ServedChannel:
    """One channel folder being served: what the `conda_channel` fixture gives."""

    server: ChannelServer
    name: str

    @property
    def path(self) -> Path:
        return self.server.root / self.name

    @property
    def url(self) -> str:
        return self.server.url(self.name)

    @property
    def requests(self) -> list[str]:
        return self.server.requests


@pytest.fixture(scope="session")
def standard_conda_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The standard channel, built and indexed once a session; copy it before changing it."""
    return build_channel(
        tmp_path_factory.mktemp("conda-channels") / "standard", standard_packages()
    )


@pytest.fixture
def conda_channel(standard_conda_channel: Path, tmp_path: Path) -> Iterator[ServedChannel]:
    """A copy of the standard channel of this test's own, served on loopback as `standard`:
    rewrite its files freely; its server's `requests` start empty."""
    root = tmp_path / "conda-channels"
    shutil.copytree(standard_conda_channel, root / "standard")
    with ChannelServer(root) as server:
        yield ServedChannel(server, "standard")
