"""What `reproenv build` does after the build: the fingerprint and its record, and
`--check-reproducible`'s two builds and their report."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from reproenv.cli.output import note, out, warn
from reproenv.errors import ExitCode, ReproenvError

if TYPE_CHECKING:
    from reproenv.build.reproducible import BuildInputs, ReproCheck
    from reproenv.engine import ContainerEngine, EngineInfo
    from reproenv.plan.model import BuildPlan

MAX_LISTED = 200  # differences printed; the count says how many more


def record_fingerprint(engine: ContainerEngine, plan: BuildPlan) -> None:
    """Print the built image's fingerprint and keep it in the build record; a failure here
    leaves the image as built, with a warning."""
    from reproenv.build.fingerprint import image_fingerprint
    from reproenv.build.record import write_record
    from reproenv.plan.conda import CONDA_PREFIX
    from reproenv.settings import cache_dir

    try:
        found = image_fingerprint(engine, plan.image_tag, venv=plan.venv, prefix=CONDA_PREFIX)
    except ReproenvError as error:
        warn(f"no fingerprint of {plan.image_tag}: {error.message}")
        return
    note(f"fingerprint {found.digest}")
    cache, inspected = cache_dir(), engine.image_inspect(plan.image_tag)
    if cache is not None and inspected is not None:
        try:
            write_record(cache, str(inspected["Id"]), plan.image_tag, plan.lock_hash, found)
        except OSError as error:
            warn(f"could not write the build record in {cache}: {error}")


def check(engine: ContainerEngine, info: EngineInfo, plan: BuildPlan, inputs: BuildInputs) -> None:
    """Two builds without cache; exit 1 when they differ."""
    from reproenv.build.reproducible import check_reproducible

    note(info.capability.describe())
    result = check_reproducible(
        engine, info, plan, inputs, on_build=lambda n: note(f"check build {n} of 2, no cache")
    )
    report(result)
    if not result.equal:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


def report(result: ReproCheck) -> None:
    if result.method == "fingerprint":
        warn(result.guarantee)
    else:
        note(result.guarantee)
    if result.equal:
        out.print(f"reproducible: {result.method} {result.first}", markup=False)
        return
    out.print(f"not reproducible: {result.method} {result.first} != {result.second}", markup=False)
    for line in result.differences[:MAX_LISTED]:
        out.print(f"  {line}", markup=False)
    if len(result.differences) > MAX_LISTED:
        out.print(f"  ... and {len(result.differences) - MAX_LISTED} more", markup=False)
    if not result.differences:
        out.print("  (no file differs: the layer tars or config differ in metadata)", markup=False)
