"""apptainer.def: the image `reproenv build` makes (or its published copy, by digest) for
Apptainer, with the image's environment, the spec's command as `%runscript` and notes for GPUs
and for the SIF's reproducibility. Written by `generate --apptainer` only."""

from __future__ import annotations

import posixpath
import shlex
import textwrap
from dataclasses import dataclass

from reproenv.fsutil import GENERATED_MARKER
from reproenv.plan.model import BuildPlan
from reproenv.render.base import render_template
from reproenv.render.environment import PATH_VALUE_TAIL, driver_requirement, image_environment

APPTAINER_DEF = "apptainer.def"
DEFAULT_COMMAND = ("python",)  # the Dockerfile's CMD when the spec names no command
_WIDTH = 92  # %help lines, after their indent

# Apptainer mounts the home folder: a user's ~/.local packages would join the environment
NO_USER_SITE = ("PYTHONNOUSERSITE", "1")


def output_beside(dockerfile: str, relative: str) -> str:
    """A path beside the Dockerfile (`--output-dir`, image.dockerfile), else at the root."""
    folder = posixpath.dirname(dockerfile)
    return posixpath.join(folder, relative) if folder else relative


@dataclass(frozen=True)
class ApptainerRenderer:
    """`image`: the published image as REPOSITORY@sha256:DIGEST (checked by the caller), else
    the local engine's image by the tag `reproenv build` gives it."""

    image: str | None = None
    name = "apptainer"

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        return (output_beside(dockerfile, APPTAINER_DEF),)

    def render(self, plan: BuildPlan) -> dict[str, str]:
        path = output_beside(plan.dockerfile, APPTAINER_DEF)
        return {path: render_definition(plan, self.image, path)}


def render_definition(plan: BuildPlan, image: str | None, path: str) -> str:
    by_digest = image is not None
    entrypoint = f"{plan.conda.entrypoint} " if plan.conda else ""
    return render_template(
        "apptainer.def.j2",
        marker=GENERATED_MARKER,
        image_flag=f" --image {image}" if image else "",
        sif=f"{plan.name}.sif",
        def_path=path,
        agent="docker" if by_digest else "docker-daemon",
        source=image or plan.image_tag,
        by_digest=by_digest,
        labels=sorted(plan.labels.items()),
        environment=[export_line(n, v) for n, v in (*image_environment(plan), NO_USER_SITE)],
        workdir=plan.workdir,
        command=shlex.join(plan.command or DEFAULT_COMMAND),
        entrypoint=entrypoint,
        project=plan.name,
        short_hash=plan.lock_hash[:12],
        nv=" --nv" if plan.require_cuda else "",
        cuda=plan.require_cuda,
        driver=driver_requirement(plan.require_cuda) if plan.require_cuda else "",
        reproducibility=textwrap.wrap(reproducibility_note(plan, image), _WIDTH),
    )


def export_line(name: str, value: str) -> str:
    """`export NAME=value` for %environment: literal, but PATH's `$PATH` is the base's."""
    if name == "PATH" and value.endswith(PATH_VALUE_TAIL):
        return f'export PATH="{value}"'
    return f"export {name}={shlex.quote(value)}"


def reproducibility_note(plan: BuildPlan, image: str | None) -> str:
    sif_metadata = (
        "The SIF adds Apptainer's own metadata (its build date and Apptainer's version among "
        "the labels), so two builds are not the same file byte for byte: compare "
        "`apptainer inspect --labels` (dev.reproenv.lock-hash) rather than checksums."
    )
    if image:
        return (
            "Reproducibility: the image is named by digest, so every build of this file, on "
            "any machine, unpacks the same files: those of the image reproenv.lock describes. "
            + sif_metadata
        )
    return (
        f"Reproducibility: {plan.image_tag} is a local tag: it names the lock, not the "
        "image's digest, and only this machine has it. For a SIF any machine rebuilds the "
        "same, push the image to a registry and regenerate with reproenv generate "
        f"--apptainer --image REPOSITORY@sha256:DIGEST. {sif_metadata}"
    )
