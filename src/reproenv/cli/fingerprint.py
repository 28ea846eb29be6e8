"""`reproenv fingerprint IMAGE`: the content hash of what the lock controls inside an image."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from reproenv.cli.common import DockerOption


def register(app: typer.Typer) -> None:
    app.command("fingerprint")(fingerprint)


def fingerprint(
    image: Annotated[str, typer.Argument(help="Image tag or ID.")],
    docker: DockerOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the parts: venv, prefix and apt hashes, counts.")
    ] = False,
    venv: Annotated[
        str | None, typer.Option("--venv", metavar="PATH", help="The venv (default /opt/venv).")
    ] = None,
) -> None:
    """Print the environment fingerprint of IMAGE: its venv, conda prefix and apt package set,
    hashed by content, path and mode, independent of timestamps. Read from the saved image;
    nothing in it runs."""
    from reproenv.build.fingerprint import image_fingerprint
    from reproenv.engine import open_engine
    from reproenv.plan.model import VENV

    found = image_fingerprint(open_engine(docker), image, venv=venv or VENV)
    if as_json:
        print(json.dumps(found.as_dict(), indent=2))
    else:
        print(found.digest)
