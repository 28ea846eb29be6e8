"""`reproenv publish`: push the image of the current lock to a registry and report its digest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import DockerOption, ProjectOption
from reproenv.cli.output import note

if TYPE_CHECKING:
    from reproenv.engine import ContainerEngine
    from reproenv.plan.model import BuildPlan


def register(app: typer.Typer) -> None:
    app.command("publish")(publish)


def publish(
    project: ProjectOption = Path(),
    repository: Annotated[
        str | None,
        typer.Option(
            "--repository",
            metavar="REPO",
            help="host[:port]/org/name to push to (default: [publish] repository of the spec).",
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="TAG", help="A further tag to push (repeatable)."),
    ] = None,
    release: Annotated[
        str | None,
        typer.Option("--release", metavar="VERSION", help="Also tag it with this release."),
    ] = None,
    docker: DockerOption = None,
) -> None:
    """Push the image built for the current lock, tagged with the lock hash, git-<commit> when
    the git tree is clean, and --release; print REPO@DIGEST once every tag resolves to that
    digest and a pull by it succeeds. Credentials: the docker config and its credential
    helpers, or REPROENV_REGISTRY_USERNAME/_PASSWORD. A record goes to .reproenv/publish/."""
    from reproenv.cli.pipeline import current_lock_plan
    from reproenv.engine import open_engine

    repository = publish_repository(project, repository)
    spec, _, plan = current_lock_plan(project)
    engine = open_engine(docker)
    engine.info()  # an engine that is away says so (exit 3) before anything else
    push_and_report(engine, plan, spec.project_dir, repository, release, tag or ())


def publish_repository(project: Path, repository: str | None) -> str:
    """`--repository`, else the spec's [publish] repository; none is an error that names the
    key, said before any lock is read or image built."""
    from reproenv.errors import bad_input
    from reproenv.publish.service import checked_repository
    from reproenv.spec.load import load_spec

    if repository is not None:
        repository = checked_repository(repository, "--repository")
    spec = load_spec(project)
    repository = repository or spec.publish_repository
    if not repository:
        raise bad_input(
            "no repository to publish to",
            "publish-repository-missing",
            f'set [publish] repository = "host[:port]/org/name" in {spec.source.name}, '
            "or pass --repository",
            file=str(spec.source),
            key="publish.repository",
        )
    return repository


def push_and_report(
    engine: ContainerEngine,
    plan: BuildPlan,
    project_dir: Path,
    repository: str,
    release: str | None = None,
    tags: Sequence[str] = (),
) -> None:
    """Push, then print REPO@DIGEST on stdout once a pull by it succeeded."""
    from reproenv.publish.service import publish_image

    published = publish_image(
        engine, plan, project_dir, repository, release=release, extra_tags=tags
    )
    if published.note:
        note(published.note)
    note(f"pushed {', '.join(published.record.tags)} to {repository}")
    note(f"recorded in {published.record_path.relative_to(project_dir)}")
    print(published.reference)
