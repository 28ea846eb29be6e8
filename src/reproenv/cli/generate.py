"""`reproenv generate`: render Dockerfile and .dockerignore from the lock (and, when asked,
apptainer.def, a Kubernetes Job and a CI pipeline for the same image)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import (
    CaCertOption,
    ForceOption,
    FrozenOption,
    LockedOption,
    OutputDirOption,
    ProjectOption,
)
from reproenv.cli.output import note, out
from reproenv.errors import bad_input

if TYPE_CHECKING:
    from reproenv.cli.pipeline import Prepared

ExplainOption = Annotated[
    bool,
    typer.Option("--explain", help="Print the image's dependency layers and why each is one."),
]
CiOption = Annotated[
    str | None,
    typer.Option(
        "--ci",
        help="Also write a CI pipeline that publishes the image: github "
        "(.github/workflows/reproenv.yml) or gitlab (.gitlab-ci.yml).",
    ),
]
CI_CHOICES = ("github", "gitlab")

ApptainerOption = Annotated[
    bool,
    typer.Option("--apptainer", help="Also write apptainer.def, the image for Apptainer."),
]
K8sOption = Annotated[
    bool,
    typer.Option("--k8s", help="Also write k8s/job.yaml, a Kubernetes Job that runs the command."),
]
DevcontainerOption = Annotated[
    bool,
    typer.Option(
        "--devcontainer",
        help="Also write .devcontainer/devcontainer.json, the image for VS Code Dev Containers.",
    ),
]
ImageOption = Annotated[
    str | None,
    typer.Option(
        "--image",
        metavar="REPOSITORY@sha256:DIGEST",
        help="The published image, by digest, for --apptainer and --k8s (default: the local "
        "image reproenv build tags).",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)


def generate(
    project: ProjectOption = Path(),
    locked: LockedOption = False,
    frozen: FrozenOption = False,
    force: ForceOption = False,
    ca_cert: CaCertOption = None,
    output_dir: OutputDirOption = None,
    explain: ExplainOption = False,
    apptainer: ApptainerOption = False,
    k8s: K8sOption = False,
    image: ImageOption = None,
    ci: CiOption = None,
    devcontainer: DevcontainerOption = False,
) -> None:
    """Write Dockerfile and .dockerignore for the locked environment."""
    from reproenv.cli.pipeline import generate_files
    from reproenv.render.registry import optional_renderers

    extra = optional_renderers(
        apptainer=apptainer,
        k8s=k8s,
        image=published_image(image, apptainer or k8s),
        ci=checked_ci(ci),
        devcontainer=devcontainer,
    )
    prepared = generate_files(
        project,
        locked=locked,
        frozen=frozen,
        force=force,
        ca_cert=ca_cert,
        output_dir=output_dir,
        extra=extra,
    )
    changed = prepared.changed
    note(f"wrote {', '.join(changed)}" if changed else "generated files are up to date")
    if explain:
        explain_layers(prepared)


def published_image(image: str | None, wanted: bool) -> str | None:
    """`--image` as REGISTRY/REPOSITORY@sha256:DIGEST: a digest names one image, a tag moves."""
    if image is None:
        return None
    from reproenv.errors import ReproenvError, bad_input
    from reproenv.oci.reference import ImageRef

    if not wanted:
        raise bad_input(
            "--image names the image of apptainer.def and the Kubernetes Job; neither is asked for",
            "image-without-output",
            "add --apptainer, --k8s or both",
            key="--image",
        )
    try:
        ref = ImageRef.parse(image)
    except ReproenvError as error:  # the grammar's own reason, named as the option
        error.message = f"--image: {error.message}"
        error.context["key"] = "--image"
        raise
    if ref.digest is None:
        raise bad_input(
            f"--image {ref} names no digest: a tag can point at another image tomorrow",
            "image-not-by-digest",
            "give the published image by digest, REPOSITORY@sha256:<64 hex digits> (docker "
            "inspect --format '{{index .RepoDigests 0}}' IMAGE prints it for a pushed image)",
            key="--image",
        )
    return f"{ref.registry}/{ref.repository}@{ref.digest}"


def checked_ci(ci: str | None) -> str | None:
    """`--ci NAME` -> the pipeline to write, checked."""
    if ci is None:
        return None
    if ci not in CI_CHOICES:
        raise bad_input(
            f"--ci {ci!r} is not a CI system reproenv writes a pipeline for",
            "ci-unknown",
            f"choose one of: {', '.join(CI_CHOICES)}",
            key="--ci",
        )
    return ci


def explain_layers(prepared: Prepared) -> None:
    """The dependency layers in install order, each with its packages' weight and its reason."""
    from reproenv.plan.install import dependency_layers
    from reproenv.plan.layers import REST

    lock, platform = prepared.lock, prepared.plan.platform
    # the plan's own layers; with pip (one layer) the ones uv would install
    layers = prepared.plan.install.layers
    if prepared.plan.install.installer == "pip":
        layers = dependency_layers(lock, platform, "uv")
        if layers:
            out.print(
                f"dependency layers ({platform}): one, requirements.lock whole "
                '(image.installer = "pip"); with uv they would be:',
                markup=False,
            )
    if not layers:
        out.print(f"dependency layers ({platform}): none, the lock has no pip packages")
        return
    out.print(
        f"dependency layers ({platform}), in install order: heaviest and most stable first, "
        "the project's code after them",
        markup=False,
    )
    width = max(len(layer.name) for layer in layers)
    for number, layer in enumerate(layers, 1):
        count = len(layer.packages)
        weight = _size(layer.size)
        if layer.unknown_sizes == count:
            weight = "size unknown"
        elif layer.unknown_sizes:
            weight += f" + {layer.unknown_sizes} unknown"
        noun = "package " if count == 1 else "packages"
        out.print(
            f"  {number}. {layer.name:<{width}}  {count:>3} {noun}  {weight:>12}  {layer.reason}",
            markup=False,
        )
        if layer.name != REST and len(layer.packages) > 1:
            out.print(f"     {' '.join(layer.packages)}", markup=False)


def _size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"
