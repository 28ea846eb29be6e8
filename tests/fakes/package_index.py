"""A fake Python package index on loopback: real HTTP, so real `uv` and `pip` can use it offline.

Why it exists: locking and installing must be tested against the real resolvers (`uv pip
compile`, `pip install --require-hashes`), not mocks of them, yet tests may not reach PyPI.
This module builds tiny, byte-for-byte deterministic wheels (and optional sdists) from
`FakePackage` descriptions and serves them as a PEP 503 simple index with PEP 658/714 metadata,
so wheel hashes are stable across runs and machines and can be pinned in golden files.

    with FakeIndex([FakePackage("lib", "1.0")]).serve() as index:
        run(["uv", "pip", "compile", "--index-url", index.url, ...])

Layout served on http://127.0.0.1:PORT:
    /simple/                       project list
    /simple/<normalized-name>/     links ``../../files/<file>#sha256=<hex>``
    /files/<file>                  wheels and sdists
    /files/<wheel>.metadata        the wheel's METADATA (PEP 658)
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import re
import shutil
import struct
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from tests.fakes.http import QuietHandler

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest date a zip entry can carry
FILE_MODE = 0o644
JSON_TYPE = "application/vnd.pypi.simple.v1+json"  # PEP 691
_EXTRA_MARKER = re.compile(r"""\bextra\s*==\s*["']([^"']+)["']""")


@dataclass
class FakePackage:
    """One release of one project, as it will appear on the index."""

    name: str
    version: str
    requires: list[str] = field(default_factory=list)  # Requires-Dist, markers allowed
    extras: list[str] = field(default_factory=list)  # Provides-Extra
    requires_python: str | None = None
    platform_tags: list[str] = field(default_factory=lambda: ["py3-none-any"])  # one wheel each
    sdist: bool = False
    # PEP 700 `upload-time` (RFC 3339, e.g. "2022-01-01T00:00:00Z"), served in the PEP 691 JSON
    # API: what uv's --exclude-newer compares
    upload_time: str | None = None
    # executables the wheel installs into the environment's bin (`<name>.data/scripts/`)
    scripts: dict[str, Path] = field(default_factory=dict)

    @property
    def provides_extras(self) -> list[str]:
        """Declared extras plus any named in `requires` markers, as build backends emit them."""
        found = [m for req in self.requires for m in _EXTRA_MARKER.findall(req)]
        return list(dict.fromkeys([*self.extras, *found]))


def normalize(name: str) -> str:
    """PEP 503 project name normalization: `Foo.Bar_baz` -> `foo-bar-baz`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _escaped(name: str) -> str:
    """The name as wheel and sdist filenames spell it: `foo-bar` -> `foo_bar`."""
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_filename(pkg: FakePackage, tag: str) -> str:
    return f"{_escaped(pkg.name)}-{pkg.version}-{tag}.whl"


def sdist_filename(pkg: FakePackage) -> str:
    return f"{_escaped(pkg.name)}-{pkg.version}.tar.gz"


def metadata(pkg: FakePackage, metadata_version: str = "2.1") -> bytes:
    """Core metadata (the wheel's METADATA, the sdist's PKG-INFO)."""
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {pkg.name}",
        f"Version: {pkg.version}",
    ]
    if pkg.requires_python:
        lines.append(f"Requires-Python: {pkg.requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in pkg.provides_extras]
    lines += [f"Requires-Dist: {req}" for req in pkg.requires]
    return ("\n".join(lines) + "\n\n").encode()


def _expand_tag(tag: str) -> list[str]:
    """`py2.py3-none-any` -> [`py2-none-any`, `py3-none-any`] for the WHEEL file."""
    python, abi, platform = tag.split("-")
    return [
        "-".join(parts)
        for parts in itertools.product(python.split("."), abi.split("."), platform.split("."))
    ]


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _zip_entry(name: str, *, executable: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.create_system = 3  # Unix, whatever machine builds it
    info.external_attr = (0o100000 | (0o755 if executable else FILE_MODE)) << 16
    info.compress_type = zipfile.ZIP_STORED  # deflate output varies between zlib builds
    return info


def build_wheel(pkg: FakePackage, tag: str, dest_dir: Path) -> Path:
    """Write a minimal valid wheel for `pkg` with `tag`; identical bytes on every run."""
    module = _escaped(pkg.name)
    dist_info = f"{module}-{pkg.version}.dist-info"
    purelib = all(t.split("-")[2] == "any" for t in _expand_tag(tag))
    wheel = [
        "Wheel-Version: 1.0",
        "Generator: reproenv-fake-index (0.1)",
        f"Root-Is-Purelib: {'true' if purelib else 'false'}",
        *(f"Tag: {t}" for t in _expand_tag(tag)),
    ]
    files = {
        f"{module}/__init__.py": f'__version__ = "{pkg.version}"\n'.encode(),
        f"{dist_info}/METADATA": metadata(pkg),
        f"{dist_info}/WHEEL": ("\n".join(wheel) + "\n\n").encode(),
    }
    scripts = {
        f"{module}-{pkg.version}.data/scripts/{n}": p.read_bytes() for n, p in pkg.scripts.items()
    }
    files.update(scripts)
    record_name = f"{dist_info}/RECORD"
    ordered = sorted(files.items(), key=lambda item: (item[0].startswith(dist_info), item[0]))
    record = "".join(f"{n},{_record_hash(d)},{len(d)}\n" for n, d in ordered)
    record += f"{record_name},,\n"
    entries = [*ordered, (record_name, record.encode())]  # module, then dist-info, RECORD last

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(_zip_entry(name, executable=name in scripts), data)
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / wheel_filename(pkg, tag)
    path.write_bytes(buffer.getvalue())
    return path


def _gzip_stored(data: bytes) -> bytes:
    """A gzip member holding `data` in stored deflate blocks: no zlib-version dependence."""
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x00\xff"  # mtime 0, OS unknown
    chunks = [data[i : i + 0xFFFF] for i in range(0, len(data), 0xFFFF)] or [b""]
    body = b"".join(
        struct.pack("<BHH", int(i == len(chunks) - 1), len(c), len(c) ^ 0xFFFF) + c
        for i, c in enumerate(chunks)
    )
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return header + body + trailer


def build_sdist(pkg: FakePackage, dest_dir: Path) -> Path:
    """Write a deterministic sdist: PKG-INFO (static metadata 2.2), pyproject.toml, the module.

    It cannot be built offline (it names setuptools), but resolvers read PKG-INFO instead.
    """
    module = _escaped(pkg.name)
    root = f"{module}-{pkg.version}"
    pyproject = [
        "[build-system]",
        'requires = ["setuptools>=61"]',
        'build-backend = "setuptools.build_meta"',
    ]
    files = {
        f"{root}/PKG-INFO": metadata(pkg, "2.2"),
        f"{root}/pyproject.toml": ("\n".join(pyproject) + "\n").encode(),
        f"{root}/{module}/__init__.py": f'__version__ = "{pkg.version}"\n'.encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = FILE_MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / sdist_filename(pkg)
    path.write_bytes(_gzip_stored(buffer.getvalue()))
    return path


@dataclass(frozen=True)
class _File:
    path: Path
    sha256: str
    requires_python: str | None
    metadata: bytes | None  # PEP 658 body, wheels only
    upload_time: str | None = None


# uv, which every lock pins for the image from the spec's index: a stub wheel, a wheel of the
# uv this process runs (its binary, for builds that install with it), or none
UvWheel = Literal["stub", "binary"] | None


def uv_package(kind: Literal["stub", "binary"]) -> FakePackage:
    from importlib.metadata import version

    if kind == "stub":
        return FakePackage("uv", version("uv"))
    from uv import find_uv_bin

    tags = [f"py3-none-manylinux_2_17_{m}.manylinux2014_{m}" for m in ("x86_64", "aarch64")]
    return FakePackage("uv", version("uv"), platform_tags=tags, scripts={"uv": Path(find_uv_bin())})


class FakeIndex:
    """A PEP 503 simple index of `FakePackage`s over HTTP on 127.0.0.1 (ephemeral port).

    Use `with index.serve():` or `index.start()` / `index.stop()`. Packages may be added with
    `add()` until the index starts; files are built then, into `directory` (a temporary one,
    removed on stop, when not given).
    """

    def __init__(
        self,
        packages: Iterable[FakePackage] = (),
        *,
        username: str | None = None,
        password: str | None = None,
        status_override: int | None = None,
        delay: float = 0.0,
        serve_metadata: bool = True,
        directory: Path | None = None,
        json_api: bool | None = None,
        uv: UvWheel = "stub",
    ) -> None:
        self.packages: list[FakePackage] = list(packages)
        if uv is not None and not any(normalize(p.name) == "uv" for p in self.packages):
            self.packages.append(uv_package(uv))
        self.username = username
        self.password = password
        self.status_override = status_override  # answer every request with this status
        self.delay = delay  # seconds to sit on each request before answering
        self.serve_metadata = serve_metadata  # advertise and serve PEP 658 `.metadata` files
        # answer PEP 691 JSON to clients that ask for it (None: when a package has an upload
        # time, which only that API carries); HTML otherwise
        self.json_api = json_api
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self.port = 0
        self._directory = directory
        self._tempdir: str | None = None
        self._files: dict[str, _File] = {}
        self._projects: dict[str, list[str]] = {}  # normalized name -> filenames
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(self, *packages: FakePackage) -> None:
        if self._server is not None:
            raise RuntimeError("add packages before the index starts")
        self.packages.extend(packages)

    # -- files -----------------------------------------------------------------------------

    @property
    def files_dir(self) -> Path:
        if self._directory is None:
            self._tempdir = tempfile.mkdtemp(prefix="fake-index-")
            self._directory = Path(self._tempdir)
        return self._directory

    def build(self) -> dict[str, Path]:
        """Build every wheel and sdist into `files_dir`; returns filename -> path."""
        self._files.clear()
        self._projects.clear()
        for pkg in self.packages:
            paths = [build_wheel(pkg, tag, self.files_dir) for tag in pkg.platform_tags]
            if pkg.sdist:
                paths.append(build_sdist(pkg, self.files_dir))
            for path in paths:
                data = path.read_bytes()
                is_wheel = path.suffix == ".whl"
                self._files[path.name] = _File(
                    path,
                    hashlib.sha256(data).hexdigest(),
                    pkg.requires_python,
                    metadata(pkg) if is_wheel else None,
                    pkg.upload_time,
                )
                names = self._projects.setdefault(normalize(pkg.name), [])
                if path.name not in names:
                    names.append(path.name)
        return self.files

    @property
    def files(self) -> dict[str, Path]:
        return {name: f.path for name, f in sorted(self._files.items())}

    @property
    def hashes(self) -> dict[str, str]:
        """filename -> sha256 hex of the file served."""
        return {name: f.sha256 for name, f in sorted(self._files.items())}

    # -- server ----------------------------------------------------------------------------

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The index URL to pass as `--index-url`."""
        return f"{self.root}/simple"

    def url_with_credentials(self, username: str | None = None, password: str | None = None) -> str:
        user = username if username is not None else self.username or ""
        secret = password if password is not None else self.password or ""
        return f"http://{user}:{secret}@127.0.0.1:{self.port}/simple"

    def start(self) -> FakeIndex:
        if self._server is not None:
            return self
        self.build()
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
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
            self._directory = None

    @contextmanager
    def serve(self) -> Iterator[FakeIndex]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def __enter__(self) -> FakeIndex:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- pages -----------------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        if self.username is None and self.password is None:
            return True
        token = f"{self.username or ''}:{self.password or ''}".encode()
        return header == "Basic " + base64.b64encode(token).decode()

    def _root_page(self) -> bytes:
        links = "".join(
            f'    <a href="{html.escape(name)}/">{html.escape(name)}</a>\n'
            for name in sorted(self._projects)
        )
        return _html("Simple index", links)

    def _project_page(self, project: str) -> bytes | None:
        names = self._projects.get(project)
        if names is None:
            return None
        links = []
        for name in sorted(names):
            file = self._files[name]
            attrs = [f'href="../../files/{html.escape(name)}#sha256={file.sha256}"']
            if file.requires_python:
                attrs.append(f'data-requires-python="{html.escape(file.requires_python)}"')
            if self.serve_metadata and file.metadata is not None:
                digest = hashlib.sha256(file.metadata).hexdigest()
                attrs.append(f'data-dist-info-metadata="sha256={digest}"')
                attrs.append(f'data-core-metadata="sha256={digest}"')
            links.append(f"    <a {' '.join(attrs)}>{html.escape(name)}</a><br/>\n")
        return _html(f"Links for {project}", "".join(links))

    @property
    def serves_json(self) -> bool:
        if self.json_api is not None:
            return self.json_api
        return any(p.upload_time for p in self.packages)

    def _project_json(self, project: str) -> bytes | None:
        """PEP 691 JSON with PEP 700's `upload-time`, `size` and `versions` (api-version 1.1)."""
        names = self._projects.get(project)
        if names is None:
            return None
        files: list[dict[str, object]] = []
        for name in sorted(names):
            file = self._files[name]
            entry: dict[str, object] = {
                "filename": name,
                "url": f"../../files/{name}",
                "hashes": {"sha256": file.sha256},
                "size": file.path.stat().st_size,
            }
            if file.requires_python:
                entry["requires-python"] = file.requires_python
            if self.serve_metadata and file.metadata is not None:
                digest = {"sha256": hashlib.sha256(file.metadata).hexdigest()}
                entry["core-metadata"] = entry["dist-info-metadata"] = digest
            if file.upload_time:
                entry["upload-time"] = file.upload_time
            files.append(entry)
        versions = sorted({p.version for p in self.packages if normalize(p.name) == project})
        body = {"meta": {"api-version": "1.1"}, "name": project, "files": files}
        body["versions"] = versions
        return json.dumps(body, sort_keys=True).encode()

    def _file(self, name: str) -> bytes | None:
        if name.endswith(".metadata") and self.serve_metadata:
            file = self._files.get(name[: -len(".metadata")])
            return file.metadata if file is not None else None
        file = self._files.get(name)
        return file.path.read_bytes() if file is not None else None


def _html(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.0">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n{body}  </body>\n</html>\n"
    ).encode()


def _handler(index: FakeIndex) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            auth = self.headers.get("Authorization")
            index.requests.append((self.path, auth))
            if index.delay:
                time.sleep(index.delay)
            if index.status_override is not None:
                self._send(index.status_override, b"injected failure\n")
                return
            if not index._authorized(auth):
                self._send(401, b"unauthorized\n", {"WWW-Authenticate": 'Basic realm="fake"'})
                return
            path = unquote(urlsplit(self.path).path)
            parts = [p for p in path.split("/") if p]
            page: bytes | None = None
            if parts == ["simple"]:
                page = index._root_page()
            elif len(parts) == 2 and parts[0] == "simple":
                if not path.endswith("/") or normalize(parts[1]) != parts[1]:
                    location = f"/simple/{normalize(parts[1])}/"
                    self._send(301, b"", {"Location": location})
                    return
                wants_json = JSON_TYPE in self.headers.get("Accept", "")
                json_page = index._project_json(parts[1]) if index.serves_json else None
                if wants_json and json_page is not None:
                    self._send(200, json_page, {"Content-Type": JSON_TYPE})
                    return
                page = index._project_page(parts[1])
            elif len(parts) == 2 and parts[0] == "files":
                body = index._file(parts[1])
                if body is None:
                    self._send(404, b"not found\n")
                else:
                    self._send(200, body, {"Content-Type": "application/octet-stream"})
                return
            if page is None:
                self._send(404, b"not found\n")
            else:
                self._send(200, page, {"Content-Type": "text/html; charset=utf-8"})

        do_HEAD = do_GET

    return Handler
