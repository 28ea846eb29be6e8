"""`reproenv build`: lock if needed, generate, build the image for the lock."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import (
    CaCertOption,
    DockerOption,
    ForceOption,
    FrozenOption,
    LockedOption,
    OutputDirOption,
    ProjectOption,
    note,
    warn,
)

if TYPE_CHECKING:
    from reproenv.build.reproducible import BuildInputs
    from reproenv.cli.pipeline import Prepared

PlatformOption = Annotated[
    str | None,
    typer.Option(
        "--platform",
        metavar="OS/ARCH",
        help="Which locked platform to build (default: this host's).",
    ),
]
BuildNetworkOption = Annotated[
    str | None,
    typer.Option(
        "--network",
        metavar="NAME",
        help="Network for RUN steps, e.g. host (an index on localhost).",
    ),
]
CheckReproducibleOption = Annotated[
    bool,
    typer.Option(
        "--check-reproducible",
        help="Build twice without cache and compare: image digests where the engine can "
        "rewrite timestamps, else environment fingerprints. Exit 1 when they differ.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("build")(build)


def build(
    project: ProjectOption = Path(),
    locked: LockedOption = False,
    frozen: FrozenOption = False,
    force: ForceOption = False,
    ca_cert: CaCertOption = None,
    docker: DockerOption = None,
    platform: PlatformOption = None,
    network: BuildNetworkOption = None,
    output_dir: OutputDirOption = None,
    check_reproducible: CheckReproducibleOption = False,
) -> None:
    """Build the image for reproenv.lock, tagged <name>:<lock-hash>."""
    from reproenv.build.service import build_image, legacy_ignore_note
    from reproenv.cli.build_check import check, record_fingerprint
    from reproenv.cli.pipeline import generate_files
    from reproenv.engine import LEGACY_NOTE, open_engine

    engine = open_engine(docker)
    info = engine.info()  # fail fast, before locking, when there is no engine
    prepared = generate_files(
        project,
        locked=locked,
        frozen=frozen,
        force=force,
        ca_cert=ca_cert,
        platform=platform,
        output_dir=output_dir,
    )
    plan = prepared.plan
    if prepared.changed:
        note(f"wrote {', '.join(prepared.changed)}")
    note(f"building {plan.image_tag} with {info.builder.value} (docker {info.client_version})")
    if not info.builder.supports_mounts:
        warn(LEGACY_NOTE)
        ignore_note = legacy_ignore_note(plan)
        if ignore_note:
            note(ignore_note)
    inputs = _build_inputs(prepared, network)
    if check_reproducible:
        check(engine, info, plan, inputs)
        return
    outcome = build_image(
        engine,
        info,
        plan,
        inputs.project_dir,
        mirror=inputs.mirror,
        ca_cert=inputs.ca_cert,
        netrc=inputs.netrc,
        network=inputs.network,
        conda_tokens=inputs.conda_tokens,
    )
    note(f"built {outcome.tag}")
    record_fingerprint(engine, plan)


def _build_inputs(prepared: Prepared, network: str | None) -> BuildInputs:
    """The secrets and settings both kinds of build take, each secret said by name."""
    from reproenv.build.credentials import conda_tokens, index_credentials, render_netrc
    from reproenv.build.reproducible import BuildInputs

    credentials = index_credentials(prepared.spec, prepared.lock)
    tokens = conda_tokens(prepared.plan.conda)
    if tokens:
        note(f"passing the token of {', '.join(sorted(tokens))} as a build secret")
    if credentials:
        note(f"passing credentials for {', '.join(sorted(credentials))} as a build secret")
    return BuildInputs(
        prepared.spec.project_dir,
        mirror=prepared.spec.registry_mirror,
        ca_cert=prepared.ca_cert,
        netrc=render_netrc(credentials) if credentials else None,
        network=network,
        conda_tokens=tokens,
    )
