"""The uv stage's fetch script (stdlib only): the lock's wheel, by URL, checked against its
sha256, uv's executable unpacked; credentials from a netrc, never printed."""

from __future__ import annotations

import base64
import hashlib
import http.server
import importlib.util
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).parents[3] / "src" / "reproenv" / "render" / "templates" / "uv_fetch.py"
PASSWORD = "s3cret-pw"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("uv_fetch", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wheel(executable: bytes = b"#!/bin/sh\necho uv\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("uv-0.13.9.dist-info/METADATA", "Name: uv\nVersion: 0.13.9\n")
        wheel.writestr("uv-0.13.9.data/scripts/uv", executable)
    return buffer.getvalue()


@pytest.fixture
def index() -> Iterator[tuple[str, bytes]]:
    """A wheel behind basic auth on loopback: (its URL, its bytes)."""
    data = _wheel()
    wanted = "Basic " + base64.b64encode(f"lab:{PASSWORD}".encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Authorization") != wanted:
                self.send_response(401)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/files/uv-0.13.9-py3-none-any.whl"
        yield url, data
    finally:
        server.shutdown()


def _netrc(folder: Path) -> Path:
    path = folder / "netrc"
    path.write_text(f"machine 127.0.0.1 login lab password {PASSWORD}\n")
    return path


def test_the_wheel_is_checked_and_its_executable_unpacked(
    index: tuple[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, data = index
    digest = hashlib.sha256(data).hexdigest()
    code = _script().main(
        ["--url", url, "--sha256", digest, "--dest", str(tmp_path / "uv"),
         "--netrc", str(_netrc(tmp_path)), "--ca", str(tmp_path / "empty.pem")]
    )  # fmt: skip
    assert code == 0
    executable = tmp_path / "uv" / "bin" / "uv"
    assert executable.read_bytes() == b"#!/bin/sh\necho uv\n"
    assert executable.stat().st_mode & 0o777 == 0o755
    assert PASSWORD not in capsys.readouterr().out


def test_other_bytes_fail_on_the_sha256_and_nothing_is_unpacked(
    index: tuple[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = index
    code = _script().main(
        ["--url", url, "--sha256", "0" * 64, "--dest", str(tmp_path / "uv"),
         "--netrc", str(_netrc(tmp_path))]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert f"but reproenv.lock has {'0' * 64}" in err and PASSWORD not in err
    assert not (tmp_path / "uv").exists()


def test_without_credentials_the_index_answer_is_named(
    index: tuple[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = index
    code = _script().main(["--url", url, "--sha256", "0" * 64, "--dest", str(tmp_path)])
    assert code == 1
    assert "answered 401" in capsys.readouterr().err


def test_a_zip_without_uv_is_refused(tmp_path: Path) -> None:
    script = _script()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("other-1.0.dist-info/METADATA", "Name: other\n")
    with pytest.raises(script.FetchError, match="no uv executable"):
        script.unpack(buffer.getvalue(), tmp_path / "bin" / "uv")
    with pytest.raises(script.FetchError, match="not a wheel"):
        script.unpack(b"not a zip", tmp_path / "bin" / "uv")
