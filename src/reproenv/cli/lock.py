"""`reproenv lock`: resolve everything to exact, hashed, digest-pinned versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import CaCertOption, ProjectOption, note, warn


def register(app: typer.Typer) -> None:
    app.command("lock")(lock)


def lock(
    project: ProjectOption = Path(),
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if reproenv.lock is stale; write nothing.")
    ] = False,
    ca_cert: CaCertOption = None,
) -> None:
    """Resolve the spec to reproenv.lock and requirements.lock."""
    from reproenv.errors import ExitCode
    from reproenv.lock.model import LOCK_FILE
    from reproenv.lock.service import LockMode, LockState, ensure_lock, lock_state
    from reproenv.settings import find_ca_cert
    from reproenv.spec.load import load_spec

    spec = load_spec(project)
    if check:
        state = lock_state(spec)
        if state is LockState.FRESH:
            note(f"{LOCK_FILE} is up to date")
            return
        note(f"{LOCK_FILE} is {state.value}; run `reproenv lock`")
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
    result = ensure_lock(spec, LockMode.AUTO, find_ca_cert(ca_cert), on_wait=warn)
    if not result.changed:
        note(f"{LOCK_FILE} is up to date")
        return
    image = result.lock.images[0]
    note(
        f"locked {len(result.lock.pip_packages)} pip packages ({result.lock.resolver}, "
        f"{result.lock.wheel_platform}) and {image.reference}@{image.digest[:19]}… "
        f"-> {LOCK_FILE}, requirements.lock"
    )
