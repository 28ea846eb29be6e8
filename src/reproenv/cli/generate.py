"""`reproenv generate`: render Dockerfile and .dockerignore from the lock (and, with `--ci`,
a pipeline that publishes the image)."""

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
    note,
    out,
)
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
    ci: CiOption = None,
) -> None:
    """Write Dockerfile and .dockerignore for the locked environment."""
    from reproenv.cli.pipeline import generate_files

    prepared = generate_files(
        project,
        locked=locked,
        frozen=frozen,
        force=force,
        ca_cert=ca_cert,
        output_dir=output_dir,
        extras=ci_renderers(ci),
    )
    changed = prepared.changed
    note(f"wrote {', '.join(changed)}" if changed else "generated files are up to date")
    if explain:
        explain_layers(prepared)


def ci_renderers(ci: str | None) -> tuple[str, ...]:
    """`--ci NAME` -> the optional renderer that writes that pipeline."""
    if ci is None:
        return ()
    if ci not in CI_CHOICES:
        raise bad_input(
            f"--ci {ci!r} is not a CI system reproenv writes a pipeline for",
            "ci-unknown",
            f"choose one of: {', '.join(CI_CHOICES)}",
            key="--ci",
        )
    return (f"ci-{ci}",)


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
