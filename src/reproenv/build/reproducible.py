"""`build --check-reproducible`: build the lock twice without cache and compare.

On an engine that can rewrite timestamps (engine/capability.py), both builds are exported as
OCI layouts with `rewrite-timestamp=true`, no provenance and SOURCE_DATE_EPOCH from the lock, and
their manifest digests are compared: bit-for-bit, the guarantee the issue asks for. When they
differ, the two archives' layers say which files differ and how. On a weaker engine, file dates
differ between any two builds, so the digests cannot agree: both builds are loaded and their
environment fingerprints (build/fingerprint.py) compared instead, and the result says so.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reproenv.build.fingerprint import image_fingerprint
from reproenv.build.service import build_image
from reproenv.engine import Builder, ContainerEngine, EngineInfo
from reproenv.engine.archive import read_archive
from reproenv.engine.layer_diff import config_differences, layer_differences
from reproenv.plan.conda import CONDA_PREFIX
from reproenv.plan.model import BuildPlan

FALLBACK = "this engine cannot rewrite timestamps: compared environment fingerprints instead"
DIGESTS = "compared image digests (timestamps rewritten to SOURCE_DATE_EPOCH {epoch})"


@dataclass(frozen=True)
class BuildInputs:
    """What `build_image` needs besides the engine and the plan."""

    project_dir: Path
    mirror: str | None
    ca_cert: Path | None
    netrc: str | None = None
    network: str | None = None
    conda_tokens: Mapping[str, str] | None = None
    dockerfile: Path | None = None  # `build --file`: this one instead of the generated one


@dataclass(frozen=True)
class ReproCheck:
    method: Literal["digest", "fingerprint"]
    guarantee: str  # what was compared, for people
    first: str  # the two digests (or fingerprints)
    second: str
    differences: tuple[str, ...]  # one line each: where, path, what differs

    @property
    def equal(self) -> bool:
        return self.first == self.second

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "guarantee": self.guarantee,
            "reproducible": self.equal,
            "first": self.first,
            "second": self.second,
            "differences": list(self.differences),
        }


def check_reproducible(
    engine: ContainerEngine,
    info: EngineInfo,
    plan: BuildPlan,
    inputs: BuildInputs,
    *,
    on_build: Callable[[int], None] = lambda n: None,
) -> ReproCheck:
    """`on_build(n)` is called before build n (1, 2), for progress."""
    if info.builder is Builder.BUILDX and info.capability.can_rewrite_timestamps:
        return _by_digest(engine, info, plan, inputs, on_build)
    return _by_fingerprint(engine, info, plan, inputs, on_build)


def _build(
    engine: ContainerEngine,
    info: EngineInfo,
    plan: BuildPlan,
    inputs: BuildInputs,
    output: str | None = None,
) -> None:
    build_image(
        engine,
        info,
        plan,
        inputs.project_dir,
        mirror=inputs.mirror,
        ca_cert=inputs.ca_cert,
        netrc=inputs.netrc,
        network=inputs.network,
        conda_tokens=inputs.conda_tokens,
        no_cache=True,
        output=output,
        dockerfile=inputs.dockerfile,
    )


def _by_digest(
    engine: ContainerEngine,
    info: EngineInfo,
    plan: BuildPlan,
    inputs: BuildInputs,
    on_build: Callable[[int], None],
) -> ReproCheck:
    with tempfile.TemporaryDirectory(prefix="reproenv-check-") as scratch:
        archives = []
        for n in (1, 2):
            on_build(n)
            dest = Path(scratch) / f"image-{n}.tar"
            output = f"type=oci,dest={dest},rewrite-timestamp=true"
            _build(engine, info, plan, inputs, output)
            archives.append(read_archive(str(dest)))
    first, second = archives
    differences: list[str] = []
    if first.digest != second.digest:
        found = layer_differences(first.layers, second.layers)
        found += config_differences(first.config, second.config)
        differences = [d.describe() for d in found]
    return ReproCheck(
        "digest",
        DIGESTS.format(epoch=plan.source_date_epoch),
        first.digest or "?",
        second.digest or "?",
        tuple(differences),
    )


def _by_fingerprint(
    engine: ContainerEngine,
    info: EngineInfo,
    plan: BuildPlan,
    inputs: BuildInputs,
    on_build: Callable[[int], None],
) -> ReproCheck:
    """Both builds take the image's tag in turn; the second one stays, as a plain build's."""
    prints = []
    for n in (1, 2):
        on_build(n)
        _build(engine, info, plan, inputs)
        prints.append(
            image_fingerprint(engine, plan.image_tag, venv=plan.venv, prefix=CONDA_PREFIX)
        )
    first, second = prints
    return ReproCheck(
        "fingerprint",
        FALLBACK,
        first.digest,
        second.digest,
        tuple(first.differences(second)),
    )
