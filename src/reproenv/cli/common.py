"""The options the commands share (what they print is in cli/output.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ProjectOption = Annotated[
    Path,
    typer.Option("--project", "-p", help="Project folder.", file_okay=False, resolve_path=True),
]
LockedOption = Annotated[
    bool, typer.Option("--locked", help="Fail if reproenv.lock is missing or stale.")
]
FrozenOption = Annotated[
    bool, typer.Option("--frozen", help="Use reproenv.lock as it is, without checking it.")
]
CaCertOption = Annotated[
    Path | None,
    typer.Option(
        "--ca-cert",
        help="Extra CA bundle for reaching package indexes (default: REPROENV_CA_CERT, "
        "SSL_CERT_FILE, PIP_CERT, REQUESTS_CA_BUNDLE). Passed to builds as a secret only.",
        dir_okay=False,
    ),
]
DockerOption = Annotated[
    str | None,
    typer.Option(
        "--docker",
        metavar="PATH",
        help="docker executable to use (default: REPROENV_DOCKER, docker).",
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        metavar="NAME",
        help="Container engine: docker or podman (default: REPROENV_ENGINE, docker, podman "
        "when docker is absent).",
    ),
]


def choose_engine(engine: str | None) -> str | None:
    """`--engine` for this whole process: the lockers that run inside the base open their
    engine without options, so the choice travels as REPROENV_ENGINE."""
    if engine is None:
        return None
    import os

    from reproenv.settings import ENGINE_ENV, engine_name

    os.environ[ENGINE_ENV] = name = engine_name(engine)
    return name


ForceOption = Annotated[
    bool, typer.Option("--force", help="Overwrite files reproenv did not generate.")
]

OutputDirOption = Annotated[
    Path | None,
    typer.Option(
        "--output-dir",
        help="Folder inside the project (relative to it) for the Dockerfile and its ignore "
        "file, beside a project's own Dockerfile (default: image.dockerfile, else the project "
        "root). The build context stays the project folder.",
        file_okay=False,
    ),
]
