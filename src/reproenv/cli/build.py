"""`reproenv build`: lock if needed, generate, build the image for the lock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import (
    CaCertOption,
    DockerOption,
    ForceOption,
    FrozenOption,
    LockedOption,
    ProjectOption,
    note,
    warn,
)


def register(app: typer.Typer) -> None:
    app.command("build")(build)


def build(
    project: ProjectOption = Path(),
    locked: LockedOption = False,
    frozen: FrozenOption = False,
    force: ForceOption = False,
    ca_cert: CaCertOption = None,
    docker: DockerOption = None,
    platform: Annotated[
        str | None,
        typer.Option("--platform", help="Which locked platform to build (default: this host's)."),
    ] = None,
) -> None:
    """Build the image for reproenv.lock, tagged <name>:<lock-hash>."""
    from reproenv.build.engine import LEGACY_NOTE, DockerEngine
    from reproenv.build.service import build_image
    from reproenv.cli.pipeline import generate_files
    from reproenv.settings import docker_executable

    engine = DockerEngine(docker_executable(docker))
    info = engine.info()  # fail fast, before locking, when there is no engine
    (spec, plan, ca), changed = generate_files(
        project, locked=locked, frozen=frozen, force=force, ca_cert=ca_cert, platform=platform
    )
    if changed:
        note(f"wrote {', '.join(changed)}")
    note(f"building {plan.image_tag} with {info.builder.value} (docker {info.client_version})")
    if not info.builder.supports_mounts:
        warn(LEGACY_NOTE)
    outcome = build_image(
        engine, info, plan, spec.project_dir, mirror=spec.registry_mirror, ca_cert=ca
    )
    note(f"built {outcome.tag}")
