"""A test not marked `network` cannot reach beyond loopback, in-process or from a subprocess,
and is failed when it tries; loopback (the fakes) stays reachable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.fakes.offline import NO_PROXY, LoopbackOnly, OutsideLoopback, is_loopback
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

# TEST-NET-1 (RFC 5737) and the reserved example domain: never anyone's service
OUTSIDE_IP = "192.0.2.1"
OUTSIDE_URL = "http://example.com/simple/"


def test_a_connect_beyond_loopback_is_refused_and_remembered(
    loopback_only: LoopbackOnly | None,
) -> None:
    assert loopback_only is not None
    with pytest.raises(OutsideLoopback, match="marked `network`"):
        socket.create_connection((OUTSIDE_IP, 443), timeout=5)
    assert loopback_only.attempts == [repr((OUTSIDE_IP, 443))]
    loopback_only.forget()  # on purpose here: the teardown would fail the test otherwise


def test_http_clients_in_this_process_are_sent_to_the_refusing_proxy(
    loopback_only: LoopbackOnly | None,
) -> None:
    assert loopback_only is not None
    with httpx.Client(timeout=5) as client:
        response = client.get(OUTSIDE_URL)
    assert response.status_code == 403  # the stand-in answers; nothing left this host
    assert loopback_only.attempts == [f"through the proxy: GET {OUTSIDE_URL} HTTP/1.1"]
    loopback_only.forget()


def test_a_subprocess_inherits_the_walls(loopback_only: LoopbackOnly | None) -> None:
    assert loopback_only is not None
    fetch = (
        "import urllib.request, urllib.error, sys\n"
        f"try: urllib.request.urlopen({OUTSIDE_URL!r}, timeout=5)\n"
        "except urllib.error.HTTPError as e: sys.exit(e.code - 400)\n"
    )
    done = subprocess.run([sys.executable, "-c", fetch], capture_output=True, check=False)
    assert done.returncode == 3, done.stderr  # 403 from the stand-in
    assert loopback_only.attempts == [f"through the proxy: GET {OUTSIDE_URL} HTTP/1.1"]
    loopback_only.forget()
    uv = subprocess.run(
        [sys.executable, "-m", "uv", "pip", "compile", "-", "--index-url", OUTSIDE_URL],
        input="demo-package\n",
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "UV_HTTP_RETRIES": "0", "UV_NO_CACHE": "1"},
    )
    assert uv.returncode != 0
    assert loopback_only.attempts  # uv asked the stand-in, not the network
    loopback_only.forget()


SWALLOWING = f"""
import contextlib, socket, subprocess, sys

def test_in_process():
    with contextlib.suppress(OSError):
        socket.create_connection(({OUTSIDE_IP!r}, 80), timeout=5)

def test_in_a_subprocess():
    fetch = (
        "import urllib.request\\n"
        "try: urllib.request.urlopen({OUTSIDE_URL!r})\\nexcept OSError: pass"
    )
    assert subprocess.run([sys.executable, "-c", fetch]).returncode == 0
"""


def test_a_test_that_swallows_the_refusal_still_fails(tmp_path: Path) -> None:
    """Run under this suite's fixtures, tests that catch the refusal pass their body and
    error at teardown, naming what they tried to reach."""
    (tmp_path / "test_swallowing.py").write_text(SWALLOWING)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout
    assert "2 passed, 2 errors" in done.stdout
    assert f"reached beyond loopback: [{repr((OUTSIDE_IP, 80))!r}]" in done.stdout
    assert f"through the proxy: GET {OUTSIDE_URL} HTTP/1.1" in done.stdout


def test_loopback_stays_reachable(loopback_only: LoopbackOnly | None) -> None:
    assert os.environ["NO_PROXY"] == NO_PROXY
    registry = FakeRegistry()
    with serve(registry), httpx.Client(timeout=5) as client:
        assert client.get(f"http://{registry.address}/v2/").status_code == 200
    assert loopback_only is not None and loopback_only.attempts == []


@pytest.mark.parametrize(
    ("family", "address", "loopback"),
    [
        (socket.AF_INET, ("127.0.0.1", 80), True),
        (socket.AF_INET, ("127.8.0.1", 80), True),
        (socket.AF_INET6, ("::1", 80, 0, 0), True),
        (socket.AF_INET6, ("::ffff:127.0.0.1", 80, 0, 0), True),
        (socket.AF_INET, ("localhost", 80), True),
        (socket.AF_UNIX, "/var/run/docker.sock", True),
        (socket.AF_INET, (OUTSIDE_IP, 443), False),
        (socket.AF_INET6, ("2001:db8::1", 443, 0, 0), False),
        (socket.AF_INET, ("example.com", 443), False),
    ],
)
def test_what_counts_as_loopback(family: int, address: object, loopback: bool) -> None:
    assert is_loopback(family, address) is loopback


@pytest.mark.network
def test_network_tests_are_not_walled(loopback_only: LoopbackOnly | None) -> None:
    assert loopback_only is None
