"""`reproenv archive` and `reproenv restore`: the image of the lock and everything that
describes it in one file, and back onto an engine with no network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import DockerOption, ForceOption, ProjectOption
from reproenv.cli.output import note

ArchiveOutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Archive file (default: <name>-<lock hash>.reproenv.tar here).",
        dir_okay=False,
    ),
]
RestoreProjectOption = Annotated[
    Path,
    typer.Option("--project", "-p", help="Folder to restore the project into.", resolve_path=True),
]


def register(app: typer.Typer) -> None:
    app.command("archive")(archive)
    app.command("restore")(restore)


def archive(
    project: ProjectOption = Path(),
    output: ArchiveOutputOption = None,
    docker: DockerOption = None,
) -> None:
    """Write one tarball: the image of reproenv.lock as an OCI layout (which `docker load`
    takes), the lock, the spec and its inputs, the generated files, the build and run records,
    the SBOM and a manifest. Needs the image built (`reproenv build`)."""
    from reproenv.archive.contents import collect
    from reproenv.archive.pack import write_archive
    from reproenv.build.service import require_image
    from reproenv.cli.sbom import locked, sbom_text
    from reproenv.engine import open_engine
    from reproenv.settings import cache_dir

    found = locked(project)
    engine = open_engine(docker)
    engine.info()
    plan = found.plan
    tag = require_image(engine, plan)
    image_id = str((engine.image_inspect(tag) or {}).get("Id", ""))
    contents = collect(found.spec, plan, cache_dir(), image_id)
    target = output or Path(f"{plan.name}-{plan.lock_hash[:12]}.reproenv.tar")
    note(f"saving {tag} and {len(contents.project_files)} project files")
    written = write_archive(engine, plan, found.lock, contents, sbom_text(found), target)
    note(
        f"wrote {target}: {tag} ({written.image_id}), {len(contents.run_records)} run "
        f"records, {len(contents.build_records)} build records"
    )


def restore(
    archive_file: Annotated[
        Path, typer.Argument(metavar="ARCHIVE", help="A file `reproenv archive` wrote.")
    ],
    project: RestoreProjectOption = Path(),
    force: ForceOption = False,
    docker: DockerOption = None,
) -> None:
    """Load the archive's image into the engine from the file alone (no registry is
    contacted) and restore the project's files and the records, so that `reproenv run` finds
    the image of the lock. Files here that differ from the archive's are refused unless
    --force."""
    from reproenv.archive.unpack import restore_archive
    from reproenv.engine import open_engine
    from reproenv.errors import bad_input
    from reproenv.settings import cache_dir

    if project.exists() and not project.is_dir():
        raise bad_input(
            f"--project {project} is a file", "restore-project", "name a folder", key="--project"
        )
    engine = open_engine(docker)
    engine.info()
    restored = restore_archive(engine, archive_file, project, cache_dir(), force=force)
    manifest = restored.manifest
    note(f"loaded {manifest.image_tag} ({manifest.image_id})")
    if restored.written:
        note(f"wrote {_some(restored.written)} into {project}")
    if restored.unchanged:
        note(f"{len(restored.unchanged)} files already as archived")


def _some(paths: list[str], shown: int = 5) -> str:
    """A few names, then how many more: a restored project may hold hundreds of files."""
    listed = ", ".join(paths[:shown])
    more = len(paths) - shown
    return f"{len(paths)} files ({listed}, and {more} more)" if more > 0 else listed
