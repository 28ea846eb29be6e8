"""`reproenv sbom`: the environment of the lock as a CycloneDX document."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import ProjectOption

if TYPE_CHECKING:
    from reproenv.lock.model import Lock
    from reproenv.plan.model import BuildPlan
    from reproenv.spec.model import Spec

SbomOutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write it to FILE (default: stdout).", dir_okay=False
    ),
]


@dataclass(frozen=True)
class Locked:
    spec: Spec
    lock: Lock
    plan: BuildPlan


def register(app: typer.Typer) -> None:
    app.command("sbom")(sbom)


def sbom(project: ProjectOption = Path(), output: SbomOutputOption = None) -> None:
    """Print the SBOM of reproenv.lock (CycloneDX 1.6 JSON): every locked pip package, apt
    package and conda record with its version, package URL and hashes, and the base image by
    digest. The same lock gives the same bytes."""
    from reproenv.fsutil import write_atomic

    text = sbom_text(locked(project))
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)


def locked(project: Path) -> Locked:
    """The spec, the lock as it is on disk (not checked, not rewritten) and its plan."""
    from reproenv.cli.lock_mode import lock_mode
    from reproenv.lock.service import ensure_lock
    from reproenv.plan.model import make_plan
    from reproenv.spec.load import load_spec

    spec = load_spec(project)
    result = ensure_lock(spec, lock_mode(False, True), None, exports=False)
    return Locked(spec, result.lock, make_plan(spec, result.lock, result.hash))


def sbom_text(found: Locked) -> str:
    from reproenv.sbom.document import sbom_json

    plan = found.plan
    return sbom_json(found.lock, plan.lock_hash, plan.name, sbom_time(plan.source_date_epoch))


def sbom_time(lock_epoch: int) -> int:
    """SOURCE_DATE_EPOCH when it is set (reproducible-builds.org's rule), else the lock's."""
    from reproenv.errors import bad_input

    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return lock_epoch
    if not value.isdigit():
        raise bad_input(
            f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds since 1970",
            "source-date-epoch",
            "set it to an integer (e.g. `git log -1 --format=%ct`), or unset it to use the lock's",
            key="SOURCE_DATE_EPOCH",
        )
    return int(value)
