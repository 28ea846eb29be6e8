"""Build the image for the current lock, and find it again for `run`."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from reproenv.build.engine import Builder, DockerEngine, EngineInfo
from reproenv.errors import bad_input
from reproenv.lock.images import pull_reference
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
    return {"BASE_IMAGE": pull_reference(plan.base_reference, plan.platform_digest, mirror)}


def build_image(
    engine: DockerEngine,
    info: EngineInfo,
    plan: BuildPlan,
    project_dir: Path,
    *,
    mirror: str | None,
    ca_cert: Path | None,
    netrc: str | None = None,
    network: str | None = None,
) -> BuildOutcome:
    build_args = base_image_arg(plan, mirror)
    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        secrets: dict[str, Path] = {}
        if info.builder.supports_mounts:
            # BuildKit reads the ignore file beside it (`<Dockerfile>.dockerignore`)
            dockerfile = project_dir / plan.dockerfile
            if ca_cert:
                secrets[plan.ca_secret_id] = ca_cert
            if netrc:
                # only the owner may read it, and it lives no longer than the build
                secret = Path(scratch) / "netrc"
                secret.touch(mode=0o600)
                secret.write_text(netrc, encoding="utf-8")
                secrets[plan.netrc_secret_id] = secret
        else:
            # the generated Dockerfile uses mounts; hand the legacy builder a variant without
            dockerfile = Path(scratch) / "Dockerfile"
            dockerfile.write_text(render_dockerfile(plan, buildkit=False), encoding="utf-8")
        engine.build(
            builder=info.builder,
            context=project_dir,
            dockerfile=dockerfile,
            tag=plan.image_tag,
            platform=plan.platform,
            build_args=build_args,
            secrets=secrets,
            network=network,
        )
    return BuildOutcome(plan.image_tag, info.builder, plan.ca_secret_id in secrets)


def legacy_ignore_note(plan: BuildPlan, project_dir: Path) -> str | None:
    """The legacy builder reads only the context root's .dockerignore, never the ignore file
    beside a Dockerfile in an output folder: say which rules apply instead."""
    if plan.dockerignore == ".dockerignore":
        return None
    root = project_dir / ".dockerignore"
    applied = (
        "the project's own .dockerignore applies instead"
        if root.is_file()
        else "no .dockerignore applies: the whole project folder is sent"
    )
    return (
        f"the legacy builder does not read {plan.dockerignore}; {applied}, so reproenv's rules "
        "(version control, local environments, secrets such as .env and *.pem) do not keep "
        "files out of the image. Use BuildKit (install docker-buildx, or name a client that "
        "has it with --docker), or keep the Dockerfile at the project root"
    )


def require_image(engine: DockerEngine, plan: BuildPlan) -> str:
    if engine.image_inspect(plan.image_tag) is None:
        raise bad_input(
            f"no image {plan.image_tag} for the current reproenv.lock",
            "image-missing",
            "run `reproenv build` first (the lock changed since the last build, or none was built)",
            image=plan.image_tag,
        )
    return plan.image_tag
