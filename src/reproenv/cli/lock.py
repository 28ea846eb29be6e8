"""`reproenv lock`: resolve everything to exact, hashed, digest-pinned versions."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from reproenv.lock.exports import ExportCheck
    from reproenv.lock.model import Lock
    from reproenv.spec.model import Spec

from reproenv.cli.common import CaCertOption, ProjectOption, note, out, report_export, warn


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
    from reproenv.spec.load import load_spec

    spec = load_spec(project)
    if check:
        _check(spec, as_json)
        return
    from reproenv.lock.diff import diff_locks
    from reproenv.lock.locker import Upgrade
    from reproenv.lock.model import LOCK_FILE
    from reproenv.lock.service import LockMode, ensure_lock
    from reproenv.lock.warnings import lock_warnings
    from reproenv.settings import find_ca_cert

    wanted = Upgrade(everything=upgrade, packages=tuple(upgrade_package or ()))
    result = ensure_lock(
        spec,
        LockMode.AUTO,
        find_ca_cert(ca_cert),
        on_wait=warn,
        upgrade=wanted,
        backend=backend.value if backend else None,
    )
    report_export(result.export)
    if explain_gpu:
        _explain_gpu(result.lock)
    changes = diff_locks(result.previous, result.lock) if result.changed else None
    # said on every run, the lock up to date or not: a warning printed once is easily missed
    warnings = lock_warnings(spec, result.lock)
    if as_json:
        report = changes.as_dict() if changes else {"changed": False}
        print(json.dumps({**report, "warnings": warnings}, indent=2))
    for warning in warnings:
        warn(warning)
    if not result.changed:
        note(f"{LOCK_FILE} is up to date")
        return
    note(_summary(result.lock, spec))
    if changes and not as_json:
        for change in [*changes.images, *changes.pip]:
            out.print(f"  {change.line()}", markup=False)


def _check(spec: Spec, as_json: bool) -> None:
    """`lock --check`: offline, writes nothing; exit 1 when the lock is stale or missing, or
    an export (requirements.lock, conda-lock.yml) was edited."""
    from reproenv.errors import ExitCode
    from reproenv.lock.exports import ExportState
    from reproenv.lock.model import LOCK_FILE
    from reproenv.lock.state import LockState, export_states, lock_state

    state = lock_state(spec)
    exports = export_states(spec) if state is LockState.FRESH else None
    result = {"state": state.value}
    if exports is not None:
        requirements, conda = exports
        result["requirements-lock"] = requirements.state.value
        if conda.state is not ExportState.FRESH:  # said only when it needs saying
            result["conda-lock"] = conda.state.value
    if as_json:
        print(json.dumps(result))
    if state is LockState.FRESH:
        failed = [export for export in exports or () if not _check_export(export)]
        if failed:
            raise typer.Exit(int(ExitCode.CHECK_FAILED))
        note(f"{LOCK_FILE} is up to date")
        _stamp(spec, result)
        return
    note(f"{LOCK_FILE} is {state.value}; run `reproenv lock`")
    raise typer.Exit(int(ExitCode.CHECK_FAILED))


def _stamp(spec: Spec, result: dict[str, str]) -> None:
    """Let the next `lock --check` answer from the files alone (cli/entry.py); only a fresh
    lock with a fresh requirements.lock is recorded, the one answer with nothing to add."""
    from reproenv.lock.stamp import FRESH_RESULT, record_fresh
    from reproenv.lock.state import check_inputs

    if result == FRESH_RESULT:
        record_fresh(spec.project_dir, check_inputs(spec))


def _summary(lock: Lock, spec: Spec) -> str:
    from reproenv.lock.conda_export import CONDA_LOCK, exports_conda_lock
    from reproenv.lock.model import LOCK_FILE, REQUIREMENTS_LOCK

    names = {p.name for p in lock.pip_packages}
    apt = {p.name for p in lock.apt_packages}
    image = lock.images[0]
    conda = {p.name for p in lock.conda_packages}
    subdirs = ", ".join(sorted({p.subdir for p in lock.conda_packages} - {"noarch"}))
    solved = f"{len(conda)} conda packages ({lock.conda_solver}; {subdirs}), " if conda else ""
    dev = {p.name for p in lock.dev_packages}
    features = len(lock.devcontainer_features)
    return (
        f"locked {solved}{len(names)} pip packages "
        f"({lock.resolver}; {', '.join(lock.wheel_platforms)})"
        + (f", {len(dev)} more in the devcontainer's dev group" if dev else "")
        + (f", {features} devcontainer Feature{'s' if features > 1 else ''}" if features else "")
        + (f", {len(apt)} apt packages" if apt else "")
        + f" and {image.reference} for {', '.join(lock.platforms)} -> {LOCK_FILE}, "
        f"{REQUIREMENTS_LOCK}" + (f", {CONDA_LOCK}" if conda and exports_conda_lock(spec) else "")
    )


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


def _explain_gpu(lock: Lock) -> None:
    gpu = lock.gpu
    if gpu is None:
        out.print("gpu: not decided (lock made before GPU detection; run `reproenv lock -U`)")
        return
    out.print(f"gpu: {gpu.need}" + (f" (CUDA {gpu.cuda})" if gpu.cuda else ""), markup=False)
    if gpu.frameworks:
        out.print(f"  frameworks: {', '.join(gpu.frameworks)}", markup=False)
    if gpu.need == "cuda":
        bundled = "bundled as nvidia-* wheels" if gpu.bundled else "not bundled"
        out.print(f"  CUDA libraries: {bundled}", markup=False)
        out.print(f"  target driver: {gpu.driver or 'unknown'}", markup=False)
        if gpu.base_image:
            out.print(f"  base image: {gpu.base_image}", markup=False)
    out.print(f"  why: {gpu.reason}", markup=False)
    for warning in gpu.warnings:
        out.print(f"  warning: {warning}", markup=False)
