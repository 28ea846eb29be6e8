"""`reproenv init`: look at the project, write reproenv.toml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import ForceOption, ProjectOption, note


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    project: ProjectOption = Path(),
    force: ForceOption = False,
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder's).")] = None,
) -> None:
    """Look at the project and write reproenv.toml."""
    from reproenv.detect.pip import find_pip_inputs
    from reproenv.errors import bad_input
    from reproenv.fsutil import write_atomic
    from reproenv.spec.load import detect_python_version
    from reproenv.spec.model import SPEC_FILE, default_base_image, project_name_from_dir

    if not project.is_dir():
        raise bad_input(f"{project} is not a folder", "no-project", "pass an existing folder")
    path = project / SPEC_FILE
    if path.exists() and not force:
        raise bad_input(
            f"{SPEC_FILE} already exists in {project.name}",
            "spec-exists",
            "edit it, or pass --force to write a fresh one",
            file=str(path),
        )
    found = find_pip_inputs(project)
    python = detect_python_version(project)
    project_name = name or project_name_from_dir(project)

    def toml_list(items: tuple[str, ...] | list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    command = ["python", found.entrypoint] if found.entrypoint else []
    own = _own_docker_files(project)
    lines = [
        "# reproenv spec: edit freely, then run `reproenv lock`.",
        f"name = {json.dumps(project_name)}",
        f'python = "{python}"',
        'platforms = ["linux/amd64"]',
        *(
            [f"command = {toml_list(command)}"]
            if command
            else ['# command = ["python", "train.py"]']
        ),
        "",
        "[pip]",
        f"requirements = {toml_list(found.requirements)}",
        f"pyproject = {'true' if found.pyproject else 'false'}",
        "",
        "[apt]",
        "packages = []",
        "",
        "[image]",
        f"base = {json.dumps(default_base_image(python))}",
        'user = "app"',
        'workdir = "/workspace"',
        *(
            [
                f"# the project keeps its own {' and '.join(own)}: reproenv's go beside them",
                f'dockerfile = "{OUTPUT_DOCKERFILE}"',
            ]
            if own
            else [f'# dockerfile = "{OUTPUT_DOCKERFILE}"   # beside a project\'s own Dockerfile']
        ),
        '# registry-mirror = "mirror.example.org/dockerhub"   # or REPROENV_REGISTRY_MIRROR',
        "",
    ]
    write_atomic(path, "\n".join(lines))
    inputs = ", ".join([*found.requirements, *(["pyproject.toml"] if found.pyproject else [])])
    note(f"wrote {SPEC_FILE} (Python {python}; inputs: {inputs or 'none found'})")
    if own:
        note(
            f"the project has its own {' and '.join(own)}: `reproenv generate` writes "
            f"{OUTPUT_DOCKERFILE} (image.dockerfile) and leaves them as they are"
        )


OUTPUT_DOCKERFILE = ".reproenv/Dockerfile"


def _own_docker_files(project: Path) -> list[str]:
    """A Dockerfile or .dockerignore at the root that a person wrote (not reproenv)."""
    from reproenv.render.base import GENERATED_MARKER

    own = []
    for name in ("Dockerfile", ".dockerignore"):
        path = project / name
        if path.is_file():
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = "".join(handle.readline() for _ in range(3))
            if GENERATED_MARKER not in head:
                own.append(name)
    return own
