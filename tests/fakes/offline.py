"""A host that reaches loopback only: what every test not marked `network` runs on.

Two walls, because reproenv reaches the network both in-process (httpx) and through the
tools it runs (uv, git, pip): the proxy variables, which those tools and httpx honour and
subprocesses inherit, point at a loopback proxy that refuses every request (loopback is
exempt); and in this process `socket.connect` refuses any address outside loopback. Both
remember what was asked, so a test that swallows the refusal is still caught.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
NO_PROXY = "localhost,127.0.0.1,::1"


class OutsideLoopback(ConnectionRefusedError):
    """Raised where a test not marked `network` connects beyond loopback."""


class RecordingProxy(socketserver.ThreadingTCPServer):
    """Stands for the network: answers every proxied request 403 and remembers its first line
    (`CONNECT host:443 HTTP/1.1`, or `GET http://host/... HTTP/1.1`)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Refuse)
        self.asked: list[str] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Refuse(socketserver.StreamRequestHandler):
    server: RecordingProxy

    def handle(self) -> None:
        line = self.rfile.readline(65536).decode("latin-1").strip()
        self.server.asked.append(line)
        self.wfile.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )


@contextmanager
def recording_proxy() -> Iterator[RecordingProxy]:
    with RecordingProxy() as proxy:
        thread = threading.Thread(target=proxy.serve_forever, daemon=True)
        thread.start()
        try:
            yield proxy
        finally:
            proxy.shutdown()


def is_loopback(family: int, address: Any) -> bool:
    if family == socket.AF_UNIX:
        return True
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False  # a name other than localhost would be resolved beyond loopback
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


@dataclass
class LoopbackOnly:
    """The walls for one test; `attempts` lists what it tried to reach beyond loopback."""

    proxy: RecordingProxy
    refused: list[str] = field(default_factory=list)  # connects refused in this process
    _first_asked: int = 0

    @property
    def attempts(self) -> list[str]:
        through_proxy = self.proxy.asked[self._first_asked :]
        return [*self.refused, *(f"through the proxy: {line}" for line in through_proxy)]

    def forget(self) -> None:
        """For a test that reaches beyond loopback on purpose, to show the walls hold."""
        self.refused.clear()
        self._first_asked = len(self.proxy.asked)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._first_asked = len(self.proxy.asked)
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, self.proxy.url)
            monkeypatch.setenv(name.lower(), self.proxy.url)
        monkeypatch.setenv("NO_PROXY", NO_PROXY)
        monkeypatch.setenv("no_proxy", NO_PROXY)
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

        def connect(sock: socket.socket, address: Any) -> None:
            self._check(sock, address)
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            self._check(sock, address)
            return real_connect_ex(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)

    def _check(self, sock: socket.socket, address: Any) -> None:
        if not is_loopback(sock.family, address):
            self.refused.append(repr(address))
            raise OutsideLoopback(
                f"{address!r} is outside loopback: a test that reaches it is marked `network`"
            )
