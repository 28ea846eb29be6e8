"""`reproenv lock`: resolve everything to exact, hashed, digest-pinned versions."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from reproenv.lock.exports import ExportCheck
    from reproenv.spec.model import Spec

from reproenv.cli.common import CaCertOption, ProjectOption
from reproenv.cli.output import note


class Backend(StrEnum):
    uv = "uv"
    pip_tools = "pip-tools"
    conda_lock = "conda-lock"


CheckOption = Annotated[
    bool,
    typer.Option("--check", help="Exit 1 if reproenv.lock is stale; write nothing in the project."),
]
UpgradeOption = Annotated[
    bool, typer.Option("--upgrade", "-U", help="Move every pin (and the base digest).")
]
UpgradePackageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--upgrade-package", "-P", metavar="NAME", help="Move this package's pin (repeatable)."
    ),
]
BackendOption = Annotated[
    Backend | None,
    typer.Option(
        "--backend",
        help="Resolver: uv (default) or pip-tools; conda-lock solves a conda project's "
        "environment files (needs conda, mamba or micromamba on PATH). Sticks once used.",
    ),
]
ExplainGpuOption = Annotated[
    bool, typer.Option("--explain-gpu", help="Print the CUDA decision and why.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print what changed as JSON on stdout.")]


def register(app: typer.Typer) -> None:
    app.command("lock")(lock)


def lock(
    project: ProjectOption = Path(),
    check: CheckOption = False,
    upgrade: UpgradeOption = False,
    upgrade_package: UpgradePackageOption = None,
    backend: BackendOption = None,
    explain_gpu: ExplainGpuOption = False,
    as_json: JsonOption = False,
    ca_cert: CaCertOption = None,
) -> None:
    """Resolve the spec to reproenv.lock and requirements.lock, keeping pins that still fit."""
    if check:
        from reproenv.spec.load import load_spec

        _check(load_spec(project), as_json)
        return
    from reproenv.cli.lock_run import run_lock

    run_lock(
        project,
        upgrade=upgrade,
        upgrade_packages=tuple(upgrade_package or ()),
        backend=backend.value if backend else None,
        explain_gpu=explain_gpu,
        as_json=as_json,
        ca_cert=ca_cert,
    )


def _check(spec: Spec, as_json: bool) -> None:
    """`lock --check`: offline, writes nothing; exit 1 when the lock is stale or missing, or
    an export (requirements.lock, conda-lock.yml) was edited."""
    from reproenv.cli.lock_run import stamp_fresh
    from reproenv.errors import ExitCode
    from reproenv.lock.exports import ExportState
    from reproenv.lock.model import LOCK_FILE
    from reproenv.lock.stamp import FRESH_RESULT
    from reproenv.lock.state import LockState, check_lock

    found = check_lock(spec)
    state = found.state
    result = {"state": state.value}
    if found.exports is not None:
        requirements, conda = found.exports
        result["requirements-lock"] = requirements.state.value
        if conda.state is not ExportState.FRESH:  # said only when it needs saying
            result["conda-lock"] = conda.state.value
    if as_json:
        print(json.dumps(result))
    if state is LockState.FRESH:
        failed = [export for export in found.exports or () if not _check_export(export)]
        if failed:
            raise typer.Exit(int(ExitCode.CHECK_FAILED))
        note(f"{LOCK_FILE} is up to date")
        # the next check can answer from the files alone (cli/entry.py): recorded only for
        # a fresh lock with a fresh requirements.lock, the one answer with nothing to add
        if found.lock is not None and result == FRESH_RESULT:
            stamp_fresh(spec, found.lock)
        return
    note(f"{LOCK_FILE} is {state.value}; run `reproenv lock`")
    raise typer.Exit(int(ExitCode.CHECK_FAILED))


def _check_export(export: ExportCheck) -> bool:
    """An export in `--check` (False: it fails the check): an edit fails it; missing or laid
    out otherwise is not a failure, as every command that needs the file writes it from
    reproenv.lock."""
    from reproenv.lock.exports import ExportState
    from reproenv.lock.model import LOCK_FILE

    if export.is_edit:
        note(
            f"{export.file} does not match {LOCK_FILE} ({export.detail}); run "
            "`reproenv lock` to rewrite it, or restore it"
        )
        return False
    if export.state is not ExportState.FRESH:
        what = (
            "is missing"
            if export.state is ExportState.MISSING
            else f"has the pins of {LOCK_FILE} in another layout"
        )
        note(
            f"{export.file} {what}; `reproenv lock`, `generate` and `build` write it "
            f"from {LOCK_FILE}"
        )
    return True
