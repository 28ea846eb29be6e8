"""`reproenv lock` without `--check`: the lock brought up to date, and what changed. Free of
typer: cli/entry.py runs a plain `reproenv lock` through here without loading the CLI framework,
and the `lock` command (cli/lock.py) runs every other one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.cli.output import note, out, report_export, warn

if TYPE_CHECKING:
    from reproenv.lock.model import Lock
    from reproenv.spec.model import Spec


def run_lock(
    project: Path,
    *,
    upgrade: bool = False,
    upgrade_packages: tuple[str, ...] = (),
    backend: str | None = None,
    explain_gpu: bool = False,
    as_json: bool = False,
    ca_cert: Path | None = None,
) -> None:
    from reproenv.lock.locker import Upgrade
    from reproenv.lock.model import LOCK_FILE
    from reproenv.lock.service import LockMode, ensure_lock
    from reproenv.settings import find_ca_cert
    from reproenv.spec.load import load_spec

    spec = load_spec(project)
    wanted = Upgrade(everything=upgrade, packages=upgrade_packages)
    result = ensure_lock(
        spec, LockMode.AUTO, find_ca_cert(ca_cert), on_wait=warn, upgrade=wanted, backend=backend
    )
    from reproenv.lock.diff import diff_locks
    from reproenv.lock.exports import ExportState
    from reproenv.lock.warnings import lock_warnings

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
        if result.export.state is ExportState.FRESH:
            stamp_fresh(spec, result.lock, warnings)
        note(f"{LOCK_FILE} is up to date")
        return
    note(_summary(result.lock, spec))
    if changes and not as_json:
        for change in [*changes.images, *changes.pip]:
            out.print(f"  {change.line()}", markup=False)


def stamp_fresh(spec: Spec, lock: Lock, warnings: list[str] | None = None) -> None:
    """Let the next `lock --check`, and while the lock has no warnings the next plain `lock`,
    answer from the files alone (cli/entry.py, lock/stamp.py): for a fresh lock whose exports
    match it, the one answer with nothing to add."""
    from reproenv.lock.stamp import record_fresh
    from reproenv.lock.state import check_inputs
    from reproenv.lock.warnings import lock_warnings

    found = lock_warnings(spec, lock) if warnings is None else warnings
    record_fresh(spec.project_dir, check_inputs(spec), quiet=not found)


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
