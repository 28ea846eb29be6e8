"""Steps several commands share: spec -> lock -> plan -> rendered files on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reproenv.cli.common import report_export, warn
from reproenv.cli.lock_mode import lock_mode
from reproenv.lock.model import Lock
from reproenv.lock.service import ensure_lock
from reproenv.plan.model import BuildPlan, make_plan
from reproenv.render.registry import output_paths, render_all
from reproenv.render.write import check_writable, write_files
from reproenv.settings import find_ca_cert
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec


@dataclass(frozen=True)
class Prepared:
    spec: Spec
    lock: Lock
    plan: BuildPlan
    ca_cert: Path | None
    changed: list[str]


def generate_files(
    project: Path,
    *,
    locked: bool,
    frozen: bool,
    force: bool,
    ca_cert: Path | None,
    platform: str | None = None,
) -> Prepared:
    spec = load_spec(project)
    mode = lock_mode(locked, frozen)
    # refuse to clobber hand-written files before spending time (and network) on a lock
    check_writable(spec.project_dir, output_paths(), force)
    ca = find_ca_cert(ca_cert)
    result = ensure_lock(spec, mode, ca, on_wait=warn)
    report_export(result.export)
    plan = make_plan(spec, result.lock, result.hash, platform)
    changed = write_files(spec.project_dir, render_all(plan), force)
    return Prepared(spec, result.lock, plan, ca, changed)


def current_plan(project: Path) -> tuple[Spec, BuildPlan]:
    """The plan for the lock on disk, as it is (for `run`)."""
    spec = load_spec(project)
    # nothing is installed from requirements.lock here: it is neither checked nor rewritten
    result = ensure_lock(spec, lock_mode(False, True), None, exports=False)
    return spec, make_plan(spec, result.lock, result.hash)
