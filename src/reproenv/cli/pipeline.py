"""Steps several commands share: spec -> lock -> plan -> rendered files on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reproenv.cli.lock_mode import lock_mode
from reproenv.cli.output import report_export, warn
from reproenv.errors import bad_input
from reproenv.fsutil import read_user_text
from reproenv.lock.model import Lock
from reproenv.lock.service import ensure_lock
from reproenv.plan.install import LAYERS_DIR
from reproenv.plan.model import BuildPlan, check_installable, make_plan
from reproenv.render.base import Renderer
from reproenv.render.dockerfile import project_rules
from reproenv.render.registry import output_paths, render_all
from reproenv.render.write import check_writable, prune_generated, write_files
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
    output_dir: Path | None = None,
    extra: tuple[Renderer, ...] = (),
) -> Prepared:
    """`extra`: the optional renderers asked for (`generate --apptainer`, `--k8s`)."""
    spec = load_spec(project)
    extra = with_spec_renderers(spec, extra)
    dockerfile = dockerfile_path(spec, output_dir)
    mode = lock_mode(locked, frozen)
    # refuse to clobber hand-written files before spending time (and network) on a lock
    outputs = output_paths(dockerfile, spec.conda is not None, spec.installer == "uv", extra)
    check_writable(spec.project_dir, outputs, force)
    ca = find_ca_cert(ca_cert)
    result = ensure_lock(spec, mode, ca, on_wait=warn)
    report_export(result.export)
    check_installable(result.lock, _git_lines(spec, result.lock))
    plan = make_plan(
        spec,
        result.lock,
        result.hash,
        platform,
        dockerfile=dockerfile,
        project_ignore=_project_ignore(spec.project_dir),
    )
    rendered = render_all(plan, extra)
    changed = write_files(spec.project_dir, rendered, force)
    changed += prune_generated(spec.project_dir, LAYERS_DIR, rendered)
    return Prepared(spec, result.lock, plan, ca, changed)


def with_spec_renderers(spec: Spec, extra: tuple[Renderer, ...]) -> tuple[Renderer, ...]:
    """The devcontainer is written whenever the spec has a [devcontainer] table, not only
    with `--devcontainer`."""
    from reproenv.render.devcontainer import DevcontainerRenderer

    wanted = spec.devcontainer is not None and spec.devcontainer.enabled
    if not wanted or any(isinstance(r, DevcontainerRenderer) for r in extra):
        return extra
    return (*extra, DevcontainerRenderer())


def dockerfile_path(spec: Spec, output_dir: Path | None) -> str:
    """The Dockerfile's path relative to the project: `--output-dir`, else image.dockerfile."""
    if output_dir is None:
        return spec.dockerfile
    root = spec.project_dir.resolve()
    folder = (output_dir if output_dir.is_absolute() else root / output_dir).resolve()
    if folder != root and root not in folder.parents:
        raise bad_input(
            f"--output-dir {output_dir} is outside the project folder {root.name}; the build "
            "context is the project folder",
            "output-dir-outside-project",
            "name a folder inside the project, e.g. --output-dir .reproenv",
            key="--output-dir",
        )
    relative = folder.relative_to(root).as_posix() if folder != root else ""
    return f"{relative}/Dockerfile" if relative else "Dockerfile"


def _project_ignore(project_dir: Path) -> tuple[str, ...]:
    path = project_dir / ".dockerignore"
    if not path.is_file():
        return ()
    return project_rules(read_user_text(path))  # not UTF-8: named by line, as every input is


def _git_lines(spec: Spec, lock: Lock) -> dict[str, str]:
    """file:line of each git requirement in the inputs, by package name, for messages."""
    if not any(p.vcs for p in lock.pip_packages):
        return {}
    from reproenv.lock.inputs import locate_requirements

    found: dict[str, str] = {}
    for package in lock.pip_packages:
        if package.vcs:
            lines = locate_requirements(spec, {package.name})
            if lines:
                found[package.name] = lines[0].split(": ", 1)[0]
    return found


def current_plan(project: Path) -> tuple[Spec, BuildPlan]:
    """The plan for the lock on disk, as it is (for `run`)."""
    spec, _, plan = current_lock_plan(project)
    return spec, plan


def current_lock_plan(project: Path) -> tuple[Spec, Lock, BuildPlan]:
    """The spec, the lock on disk as it is, and its plan (for `run`, its record and `rerun`)."""
    spec = load_spec(project)
    # nothing is installed from requirements.lock here: it is neither checked nor rewritten
    result = ensure_lock(spec, lock_mode(False, True), None, exports=False)
    return spec, result.lock, make_plan(spec, result.lock, result.hash)
