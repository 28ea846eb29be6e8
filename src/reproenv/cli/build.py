"""`reproenv build`: lock if needed, generate, build the image for the lock."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import (
    CaCertOption,
    DockerOption,
    EngineOption,
    ForceOption,
    FrozenOption,
    LockedOption,
    OutputDirOption,
    ProjectOption,
    choose_engine,
)
from reproenv.cli.output import note, warn

if TYPE_CHECKING:
    from reproenv.build.reproducible import BuildInputs
    from reproenv.cli.pipeline import Prepared
    from reproenv.engine import ContainerEngine, EngineInfo
    from reproenv.plan.model import BuildPlan

PlatformOption = Annotated[
    str | None,
    typer.Option(
        "--platform",
        metavar="OS/ARCH",
        help="Which locked platform to build (default: this host's).",
    ),
]
BuildNetworkOption = Annotated[
    str | None,
    typer.Option(
        "--network",
        metavar="NAME",
        help="Network for RUN steps, e.g. host (an index on localhost).",
    ),
]
CheckReproducibleOption = Annotated[
    bool,
    typer.Option(
        "--check-reproducible",
        help="Build twice without cache and compare: image digests where the engine can "
        "rewrite timestamps, else environment fingerprints. Exit 1 when they differ.",
    ),
]
FingerprintOption = Annotated[
    bool,
    typer.Option(
        "--fingerprint",
        help="Also print and record the image's environment fingerprint (it reads the whole "
        "image: seconds for every 500 MB, so a plain build leaves it out).",
    ),
]
BuilderOption = Annotated[
    str | None,
    typer.Option(
        "--builder",
        metavar="NAME",
        help="Build with this buildx builder (`docker buildx ls`): any driver, a remote "
        "BuildKit or Kubernetes among them. The docker engine with buildx only.",
    ),
]
PushOption = Annotated[
    bool,
    typer.Option(
        "--push",
        help="Then publish it to the spec's [publish] repository, as `reproenv publish` does "
        "(REPO@DIGEST on stdout once a pull by it succeeds).",
    ),
]
FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        "-f",
        metavar="PATH",
        help="Build this Dockerfile (a file in the project, e.g. an edited copy of the "
        "generated one) instead of the generated one; the rest is as for it (context, base, "
        "SOURCE_DATE_EPOCH, secrets, tag). The generated files are still written.",
        dir_okay=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command("build")(build)


def build(
    project: ProjectOption = Path(),
    locked: LockedOption = False,
    frozen: FrozenOption = False,
    force: ForceOption = False,
    ca_cert: CaCertOption = None,
    docker: DockerOption = None,
    engine_choice: EngineOption = None,
    platform: PlatformOption = None,
    network: BuildNetworkOption = None,
    output_dir: OutputDirOption = None,
    check_reproducible: CheckReproducibleOption = False,
    file: FileOption = None,
    fingerprint: FingerprintOption = False,
    builder: BuilderOption = None,
    push: PushOption = False,
) -> None:
    """Build the image for reproenv.lock, tagged <name>:<lock-hash>."""
    from reproenv.build.own_file import own_dockerfile
    from reproenv.cli.build_check import check, record_fingerprint
    from reproenv.cli.pipeline import generate_files

    # a wrong path is the user's to fix before anything runs: no engine, no lock needed
    dockerfile = own_dockerfile(project, file) if file is not None else None
    repository = _push_repository(project, push, check_reproducible)
    engine = _engine(docker, engine_choice, builder)
    # fail fast, before locking, when there is no engine (capability: for the check only)
    info = engine.info(capability=check_reproducible)
    prepared = generate_files(
        project,
        locked=locked,
        frozen=frozen,
        force=force,
        ca_cert=ca_cert,
        platform=platform,
        output_dir=output_dir,
    )
    plan = prepared.plan
    if prepared.changed:
        note(f"wrote {', '.join(prepared.changed)}")
    name = getattr(engine, "engine_name", "docker")
    note(f"building {plan.image_tag} with {info.builder.value} ({name} {info.client_version})")
    _builder_notes(prepared, info, dockerfile)
    inputs = _build_inputs(prepared, network, dockerfile)
    if check_reproducible:
        check(engine, info, plan, inputs)
        return
    note(f"built {_build(engine, info, plan, inputs)}")
    if fingerprint:
        record_fingerprint(engine, plan)
    if repository is not None:
        from reproenv.cli.publish import push_and_report

        push_and_report(engine, plan, prepared.spec.project_dir, repository)


def _build(engine: ContainerEngine, info: EngineInfo, plan: BuildPlan, inputs: BuildInputs) -> str:
    from reproenv.build.service import build_image

    outcome = build_image(
        engine,
        info,
        plan,
        inputs.project_dir,
        mirror=inputs.mirror,
        ca_cert=inputs.ca_cert,
        netrc=inputs.netrc,
        network=inputs.network,
        conda_tokens=inputs.conda_tokens,
        dockerfile=inputs.dockerfile,
    )
    return outcome.tag


def _engine(docker: str | None, choice: str | None, builder: str | None) -> ContainerEngine:
    """The engine to build with; `--builder` is checked here, before anything is locked."""
    from reproenv.engine import open_engine

    engine = open_engine(docker, choose_engine(choice))
    if builder is not None:
        from reproenv.engine.buildx_builder import use_builder

        for line in use_builder(engine, builder):
            note(line)
    return engine


def _push_repository(project: Path, push: bool, check_reproducible: bool) -> str | None:
    """Where `--push` publishes: the spec's [publish] repository, said before anything runs."""
    if not push:
        return None
    if check_reproducible:
        from reproenv.errors import bad_input

        raise bad_input(
            "--push publishes a build; --check-reproducible builds twice to compare and keeps "
            "neither",
            "usage",
            "check first, then `reproenv build --push`",
            key="--push",
        )
    from reproenv.cli.publish import publish_repository

    return publish_repository(project, None)


def _builder_notes(prepared: Prepared, info: EngineInfo, dockerfile: Path | None) -> None:
    """What the engine's builder and `--file` change: said before the build."""
    from reproenv.build.own_file import ignore_note
    from reproenv.build.service import legacy_ignore_note
    from reproenv.engine import LEGACY_NOTE

    buildkit = info.builder.supports_mounts
    if not buildkit:
        warn(LEGACY_NOTE)
    if dockerfile is None:
        said = None if buildkit else legacy_ignore_note(prepared.plan)
    else:
        project_dir = prepared.spec.project_dir
        note(f"building {dockerfile.relative_to(project_dir).as_posix()} as written")
        said = ignore_note(prepared.plan, project_dir, dockerfile, buildkit)
    if said:
        note(said)


def _build_inputs(
    prepared: Prepared, network: str | None, dockerfile: Path | None = None
) -> BuildInputs:
    """The secrets and settings both kinds of build take, each secret said by name."""
    from reproenv.build.credentials import conda_tokens, index_credentials, render_netrc
    from reproenv.build.reproducible import BuildInputs

    credentials = index_credentials(prepared.spec, prepared.lock)
    tokens = conda_tokens(prepared.plan.conda)
    if tokens:
        note(f"passing the token of {', '.join(sorted(tokens))} as a build secret")
    if credentials:
        note(f"passing credentials for {', '.join(sorted(credentials))} as a build secret")
    return BuildInputs(
        prepared.spec.project_dir,
        mirror=prepared.spec.registry_mirror,
        ca_cert=prepared.ca_cert,
        netrc=render_netrc(credentials) if credentials else None,
        network=network,
        conda_tokens=tokens,
        dockerfile=dockerfile,
    )
