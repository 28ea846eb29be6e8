"""`reproenv verify [IMAGE]`: prove that an image holds what its lock says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import DockerOption, ProjectOption

if TYPE_CHECKING:
    from reproenv.engine import ContainerEngine
    from reproenv.lock.model import Lock

LockFileOption = Annotated[
    Path | None,
    typer.Option(
        "--lock",
        metavar="FILE",
        help="The lock to verify against (default: the project's reproenv.lock); with an "
        "IMAGE, no project is needed beside it.",
        dir_okay=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def verify(
    image: Annotated[
        str | None,
        typer.Argument(
            metavar="IMAGE",
            help="Image tag, ID or registry reference (pulled when absent); default: the "
            "image of the current lock.",
        ),
    ] = None,
    project: ProjectOption = Path(),
    lock: LockFileOption = None,
    docker: DockerOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as a JSON document.")
    ] = False,
) -> None:
    """Compare IMAGE with the lock: its labels (lock hash, base digest), its Python
    distributions (versions, and their files against RECORD), apt packages, conda records and,
    when a build record has one, its environment fingerprint. Read from the saved image;
    nothing in it runs. Exit 0 when they match, 1 with the differences."""
    from reproenv.engine import open_engine
    from reproenv.lock.model import LOCK_FILE, lock_hash
    from reproenv.settings import cache_dir
    from reproenv.verify.report import differences_text, summary
    from reproenv.verify.service import verify_image

    lock_path = lock if lock is not None else project / LOCK_FILE
    parsed, text = _read_lock(lock_path, given=lock is not None)
    engine = open_engine(docker)
    engine.info()  # an engine that is away says so (exit 3) before anything else
    hashed = lock_hash(text)
    if image is None:
        image = _current_image(engine, project, parsed, hashed)
    result = verify_image(
        engine, image, parsed, lock_name=str(lock_path), lock_hash=hashed, cache=cache_dir()
    )
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, sort_keys=True))
    else:
        lines = [summary(result)] if result.match else differences_text(result)
        print("\n".join(lines))
    if not result.match:
        raise typer.Exit(1)


def _read_lock(path: Path, *, given: bool) -> tuple[Lock, str]:
    from reproenv.errors import bad_input
    from reproenv.fsutil import read_user_text
    from reproenv.lock.model import parse_lock

    try:
        text = read_user_text(path)
    except FileNotFoundError:
        raise bad_input(
            f"no lock file {path}",
            "lock-missing",
            "pass the image's lock with --lock FILE"
            if given
            else "run `reproenv lock` in the project, or pass the image's lock with --lock FILE",
            file=str(path),
        ) from None
    return parse_lock(text, path), text


def _current_image(engine: ContainerEngine, project: Path, lock: Lock, hashed: str) -> str:
    """The tag `reproenv build` gives the image of this lock, as `run` finds it."""
    from reproenv.build.service import require_image
    from reproenv.plan.model import make_plan
    from reproenv.spec.load import load_spec

    return require_image(engine, make_plan(load_spec(project), lock, hashed))
