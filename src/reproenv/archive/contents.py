"""Which files of a project, and which records, go into its archive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reproenv.build.record import record_path
from reproenv.lock.state import check_inputs
from reproenv.plan.model import BuildPlan
from reproenv.render.registry import render_all
from reproenv.spec.model import Spec

RUNS_DIR = ".reproenv/runs"  # the run records `reproenv run` leaves in the project


@dataclass(frozen=True)
class Contents:
    project_dir: Path
    project_files: tuple[str, ...]  # relative paths, sorted
    build_records: tuple[Path, ...]  # in reproenv's cache
    run_records: tuple[Path, ...]  # in the project's .reproenv/runs


def collect(spec: Spec, plan: BuildPlan, cache: Path | None, image_id: str) -> Contents:
    """The spec, the lock with its exports and every input the lock was made from (so the
    restored project loads, and `lock --check` answers as here), the generated files as they
    are on disk; the build record of the image and the project's run records."""
    root = spec.project_dir.resolve()
    candidates = [spec.source, *check_inputs(spec), *(root / name for name in render_all(plan))]
    candidates += [root / name for name in _context_files(root, plan)]
    files = sorted({_relative(root, path) for path in candidates if _inside(root, path)})
    builds: tuple[Path, ...] = ()
    if cache is not None and record_path(cache, image_id).is_file():
        builds = (record_path(cache, image_id),)
    runs = tuple(sorted(p for p in (root / RUNS_DIR).glob("*.json") if p.is_file()))
    return Contents(root, tuple(files), builds, runs)


def _context_files(root: Path, plan: BuildPlan) -> list[str]:
    """The project's code and data as the image's build context holds them (the ignore file's
    rules keep out version control, caches, secrets): a restored project runs as this one."""
    from reproenv.build.context import parse_rules, walk_context

    ignore = root / plan.dockerignore
    if not ignore.is_file():
        return []
    rules = parse_rules(ignore.read_text(encoding="utf-8", errors="replace").splitlines())
    return [
        path
        for path, is_file in walk_context(root, rules)
        if is_file and not path.startswith(f"{RUNS_DIR}/")
    ]


def _inside(root: Path, path: Path) -> bool:
    """A regular file in the project: no folder, no link out of it."""
    absolute = path if path.is_absolute() else root / path
    if not absolute.is_file():
        return False
    resolved = absolute.resolve()
    return root in resolved.parents


def _relative(root: Path, path: Path) -> str:
    absolute = path if path.is_absolute() else root / path
    return absolute.resolve().relative_to(root).as_posix()
