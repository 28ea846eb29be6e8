"""The fake registry of `tests.fakes.registry` on loopback HTTP, for a real `reproenv` process.

Plain HTTP on 127.0.0.1, as dockerd treats loopback registries; the token service (when the
registry asks for bearer auth) is the same server's /token.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.fakes.http import QuietHandler
from tests.fakes.registry import REALM, FakeRegistry

# httpx computed these for its own response; the handler writes its own
_HOP_HEADERS = {"content-length", "transfer-encoding", "connection"}


def _handler(registry: FakeRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = httpx.Request(
                self.command,
                f"http://{registry.host}{self.path}",
                headers=[(k, v) for k, v in self.headers.items() if k.lower() != "host"],
                content=self.rfile.read(length) if length else b"",
            )
            response = registry.handle(request)
            headers = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS}
            self._send(response.status_code, response.content, headers)

        do_HEAD = do_GET
        do_POST = do_GET  # the token service takes refresh tokens as a form
        do_PUT = do_PATCH = do_DELETE = do_GET  # pushes (tests/fakes/registry_push.py)

    return Handler


@contextmanager
def serve(registry: FakeRegistry) -> Iterator[FakeRegistry]:
    """Serves `registry` on a free loopback port until the block ends; its host becomes
    127.0.0.1:<port> (and its token realm that server's /token, unless one was set)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(registry))
    registry.host = f"127.0.0.1:{server.server_address[1]}"
    if registry.realm == REALM:
        registry.realm = f"http://{registry.host}/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
