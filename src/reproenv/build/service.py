"""Build the image for the current lock, and find it again for `run`."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from reproenv.build.engine import Builder, DockerEngine, EngineInfo
from reproenv.errors import bad_input
from reproenv.lock.images import ImageRef, mirror_reference
from reproenv.plan.model import BuildPlan
from reproenv.render.dockerfile import render_dockerfile


@dataclass(frozen=True)
class BuildOutcome:
    tag: str
    builder: Builder
    ca_passed: bool


def base_image_arg(plan: BuildPlan, mirror: str | None) -> dict[str, str]:
    """The locked digest of the platform being built, pulled from the mirror when one is set
    (the lock and the Dockerfile keep the upstream name)."""
    ref = mirror_reference(ImageRef.parse(plan.base_reference), mirror)
    pinned = ImageRef(ref.registry, ref.repository, None, plan.platform_digest)
    return {"BASE_IMAGE": str(pinned)}


def build_image(
    engine: DockerEngine,
    info: EngineInfo,
    plan: BuildPlan,
    project_dir: Path,
    *,
    mirror: str | None,
    ca_cert: Path | None,
) -> BuildOutcome:
    secrets = {plan.ca_secret_id: ca_cert} if ca_cert and info.builder.supports_mounts else {}
    build_args = base_image_arg(plan, mirror)
    if info.builder.supports_mounts:
        engine.build(
            builder=info.builder,
            context=project_dir,
            dockerfile=project_dir / "Dockerfile",
            tag=plan.image_tag,
            platform=plan.platform,
            build_args=build_args,
            secrets=secrets,
        )
    else:
        # the generated Dockerfile uses mounts; hand the legacy builder a variant without them
        with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
            dockerfile = Path(scratch) / "Dockerfile"
            dockerfile.write_text(render_dockerfile(plan, buildkit=False), encoding="utf-8")
            engine.build(
                builder=info.builder,
                context=project_dir,
                dockerfile=dockerfile,
                tag=plan.image_tag,
                platform=plan.platform,
                build_args=build_args,
                secrets={},
            )
    return BuildOutcome(plan.image_tag, info.builder, bool(secrets))


def require_image(engine: DockerEngine, plan: BuildPlan) -> str:
    if engine.image_inspect(plan.image_tag) is None:
        raise bad_input(
            f"no image {plan.image_tag} for the current reproenv.lock",
            "image-missing",
            "run `reproenv build` first (the lock changed since the last build, or none was built)",
            image=plan.image_tag,
        )
    return plan.image_tag
