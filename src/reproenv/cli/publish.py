"""`reproenv publish`: push the image of the current lock to a registry and report its digest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reproenv.cli.common import DockerOption, ProjectOption, note


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
    from reproenv.errors import bad_input
    from reproenv.publish.service import checked_repository, publish_image
    from reproenv.spec.load import load_spec

    if repository is not None:
        repository = checked_repository(repository, "--repository")
    spec = load_spec(project)  # a missing repository is said before the lock is read
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
    spec, _, plan = current_lock_plan(project)
    engine = open_engine(docker)
    engine.info()  # an engine that is away says so (exit 3) before anything else
    published = publish_image(
        engine, plan, spec.project_dir, repository, release=release, extra_tags=tag or ()
    )
    if published.note:
        note(published.note)
    note(f"pushed {', '.join(published.record.tags)} to {repository}")
    note(f"recorded in {published.record_path.relative_to(spec.project_dir)}")
    print(published.reference)
