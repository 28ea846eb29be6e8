"""The registry client loads httpx without httpx's command-line client (oci/__init__.py), which
would bring in click, pygments and most of rich on every base image lookup."""

from __future__ import annotations

import subprocess
import sys

CLIENT_ONLY = (
    "import sys, reproenv.oci.client, httpx\n"
    "names = ('httpx._main', 'click', 'pygments', 'rich.syntax')\n"
    "loaded = [m for m in names if sys.modules.get(m)]\n"
    "print(loaded, callable(httpx.main), httpx.Client.__name__)\n"
)


def test_the_registry_client_loads_httpx_without_its_command_line_client() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT_ONLY], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True", "Client"]
