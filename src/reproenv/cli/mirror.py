"""`reproenv mirror REGISTRY`: copy the lock's base images to REGISTRY by digest, and with
--record name it in the lock so builds pull from it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import ProjectOption
from reproenv.cli.output import note


def register(app: typer.Typer) -> None:
    app.command("mirror")(mirror)


def mirror(
    registry: Annotated[
        str,
        typer.Argument(
            metavar="REGISTRY",
            help="host[:port][/prefix]: the registry to copy to; images keep their "
            "repository path (library/python) below the prefix.",
        ),
    ],
    project: ProjectOption = Path(),
    record: Annotated[
        bool,
        typer.Option(
            "--record", help="Name REGISTRY in reproenv.lock: builds then pull the base from it."
        ),
    ] = False,
    tag: Annotated[
        bool, typer.Option("--tag", help="Also push the upstream tag, pointing at the copy.")
    ] = False,
    platforms_only: Annotated[
        bool,
        typer.Option(
            "--platforms-only",
            help="Copy only the platform manifests the lock names, not the index that lists "
            "every platform (and all their layers).",
        ),
    ] = False,
) -> None:
    """Copy every base image digest reproenv.lock pins (the index, its platform manifests,
    their configs and layers) to REGISTRY, pushed by digest so every digest stays the same.
    Credentials come from the docker config or REPROENV_REGISTRY_USERNAME/_PASSWORD."""
    from reproenv.lock.service import LockMode, ensure_lock
    from reproenv.mirror.service import mirror_lock, parse_registry, record_mirror
    from reproenv.spec.load import load_spec

    parse_registry(registry)  # a wrong argument is said before anything is read
    spec = load_spec(project)
    lock = ensure_lock(spec, LockMode.FROZEN, None, exports=False).lock
    result = mirror_lock(
        lock, registry, registry_mirror=spec.registry_mirror, index=not platforms_only, tag=tag
    )
    for copied in result.copied:
        print(f"{copied.image.platform} {copied.reference}")  # the copy, as builds pull it
    report = result.report
    note(
        f"{report.manifests_pushed} manifests and {report.blobs_pushed} blobs pushed "
        f"({_size(report.bytes_pushed)}), {report.blobs_mounted} blobs mounted, "
        f"{report.manifests_present + report.blobs_present} already on {result.registry}"
    )
    if record:
        record_mirror(spec, lock, result.registry)
        note(f"recorded {result.registry} in reproenv.lock: builds pull the base from it")


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count} bytes"
