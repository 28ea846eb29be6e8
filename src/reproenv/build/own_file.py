"""`build --file PATH`: build a Dockerfile of the user's (a hand-edited copy of the generated
one, say) with everything else reproenv's: the project as the context, the locked base through
the mirror, SOURCE_DATE_EPOCH, the secrets and the tag."""

from __future__ import annotations

from pathlib import Path

from reproenv.errors import bad_input
from reproenv.plan.model import BuildPlan


def own_dockerfile(project_dir: Path, given: Path) -> Path:
    """The file to build, resolved: relative to the current folder, as `docker build -f` takes
    it. It must lie in the project folder, the build context, so that what it copies and the
    file itself travel together."""
    resolved = (given if given.is_absolute() else Path.cwd() / given).resolve()
    if not resolved.is_file():
        raise bad_input(
            f"--file {given}: no such file",
            "dockerfile-missing",
            "name an existing Dockerfile, e.g. a copy of the generated one",
            key="--file",
        )
    root = project_dir.resolve()
    if root not in resolved.parents:
        raise bad_input(
            f"--file {given} is outside the project folder {root.name}; the build context is "
            "the project folder",
            "dockerfile-outside-project",
            "copy the Dockerfile into the project folder and name that copy",
            key="--file",
        )
    return resolved


def ignore_note(plan: BuildPlan, project_dir: Path, dockerfile: Path, buildkit: bool) -> str | None:
    """Which ignore file filters the context, when it is not the generated one: BuildKit reads
    `<file>.dockerignore` beside the file, else the context root's `.dockerignore`; the legacy
    builder only the latter (the file is built as written, without reproenv's filtered
    context)."""
    if plan.dockerignore == ".dockerignore":
        return None
    if not buildkit:
        return (
            "the legacy builder filters the context by the project's .dockerignore only, "
            f"not by {plan.dockerignore}"
        )
    if dockerfile.with_name(f"{dockerfile.name}.dockerignore").is_file():
        return None
    name = dockerfile.relative_to(project_dir.resolve()).as_posix()
    return (
        f"{name} has no {name}.dockerignore beside it: the context is filtered by the "
        f"project's .dockerignore, not by {plan.dockerignore} (copy that file beside it for "
        "the generated rules)"
    )
