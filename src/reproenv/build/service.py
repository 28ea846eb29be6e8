"""Build the image for the current lock, and find it again for `run`."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reproenv.build.context import LEGACY_DOCKERFILE, parse_rules, write_context
from reproenv.engine import Builder, ContainerEngine, EngineInfo
from reproenv.errors import bad_input
from reproenv.oci.reference import copy_reference, pull_reference
from reproenv.plan.model import BuildPlan
from reproenv.render.dockerfile import render_dockerfile
from reproenv.settings import CONDA_MIRROR_ENV


@dataclass(frozen=True)
class BuildOutcome:
    tag: str
    builder: Builder
    ca_passed: bool


def base_image_arg(plan: BuildPlan, mirror: str | None) -> dict[str, str]:
    """The locked digest of the platform being built: from the registry the lock names as
    holding its copy, else from the mirror when one is set (the lock and the Dockerfile keep
    the upstream name)."""
    if plan.base_mirror:
        pinned = copy_reference(plan.base_reference, plan.platform_digest, plan.base_mirror)
        return {"BASE_IMAGE": pinned}
    return {"BASE_IMAGE": pull_reference(plan.base_reference, plan.platform_digest, mirror)}


def conda_mirror_arg(plan: BuildPlan) -> dict[str, str]:
    """The conda stage reads the lock's upstream URLs through REPROENV_CONDA_MIRROR."""
    conda_mirror = os.environ.get(CONDA_MIRROR_ENV)
    if plan.conda is None or not conda_mirror:
        return {}
    return {CONDA_MIRROR_ENV: conda_mirror}  # the conda stage's ARG of the same name


def build_image(
    engine: ContainerEngine,
    info: EngineInfo,
    plan: BuildPlan,
    project_dir: Path,
    *,
    mirror: str | None,
    ca_cert: Path | None,
    netrc: str | None = None,
    network: str | None = None,
    conda_tokens: Mapping[str, str] | None = None,
    no_cache: bool = False,
    output: str | None = None,
    dockerfile: Path | None = None,
) -> BuildOutcome:
    """`conda_tokens`: VAR -> token of the locked conda channels, a secret of the conda stage.
    `no_cache` and `output` (a buildx `--output`, exported instead of loaded) are for
    `build --check-reproducible`. `dockerfile` (`build --file`, checked by
    `own_file.own_dockerfile`) is built as written instead of the generated Dockerfile, with
    the same context, arguments, secrets and tag."""
    build_args = {**base_image_arg(plan, mirror), **conda_mirror_arg(plan)}
    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        secrets: dict[str, Path] = {}
        context_tar: Path | None = None
        if info.builder.supports_mounts:
            # BuildKit reads the ignore file beside it (`<Dockerfile>.dockerignore`)
            dockerfile = dockerfile or project_dir / plan.dockerfile
            secrets = _buildkit_secrets(plan, Path(scratch), ca_cert, netrc, conda_tokens)
            # BuildKit takes it for the image's dates; a RUN sees it once the Dockerfile
            # declares the ARG (the legacy builder would warn of an unused argument)
            build_args["SOURCE_DATE_EPOCH"] = str(plan.source_date_epoch)
        else:
            refuse_legacy_tokens(plan)
            if dockerfile is None:
                dockerfile, context_tar = _legacy_dockerfile(plan, project_dir, Path(scratch))
        engine.build(
            builder=info.builder,
            context=project_dir,
            dockerfile=dockerfile,
            tag=plan.image_tag,
            platform=plan.platform,
            build_args=build_args,
            secrets=secrets,
            network=network,
            context_tar=context_tar,
            **_variant(no_cache, output),
        )
    return BuildOutcome(plan.image_tag, info.builder, plan.ca_secret_id in secrets)


def _variant(no_cache: bool, output: str | None) -> dict[str, Any]:
    """Only what differs from a plain build, so engines (and fakes) without the keywords
    still take plain builds."""
    found: dict[str, Any] = {}
    if no_cache:
        found["no_cache"] = True
    if output:
        found["output"] = output
    return found


def _buildkit_secrets(
    plan: BuildPlan,
    scratch: Path,
    ca_cert: Path | None,
    netrc: str | None,
    conda_tokens: Mapping[str, str] | None,
) -> dict[str, Path]:
    secrets: dict[str, Path] = {}
    if ca_cert:
        secrets[plan.ca_secret_id] = ca_cert
    if netrc:
        secrets[plan.netrc_secret_id] = _secret_file(scratch / "netrc", netrc)
    if plan.conda and conda_tokens:
        tokens = json.dumps(dict(conda_tokens))
        secrets[plan.conda.tokens_secret_id] = _secret_file(scratch / "conda-tokens.json", tokens)
    return secrets


def _legacy_dockerfile(
    plan: BuildPlan, project_dir: Path, scratch: Path
) -> tuple[Path, Path | None]:
    """The generated Dockerfile uses mounts: hand the legacy builder a variant without."""
    dockerfile = scratch / "Dockerfile"
    dockerfile.write_text(render_dockerfile(plan, buildkit=False), encoding="utf-8")
    if plan.dockerignore == ".dockerignore":
        return dockerfile, None
    # it would read the root's .dockerignore only: send a context filtered by the ignore
    # file beside the Dockerfile, as BuildKit would
    context_tar = scratch / "context.tar"
    rules = (project_dir / plan.dockerignore).read_text(encoding="utf-8")
    write_context(
        project_dir,
        parse_rules(rules.splitlines()),
        dockerfile.read_text(encoding="utf-8"),
        context_tar,
    )
    return Path(LEGACY_DOCKERFILE), context_tar


def _secret_file(path: Path, text: str) -> Path:
    """Only the owner may read it, and it lives no longer than the build."""
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")
    return path


def refuse_legacy_tokens(plan: BuildPlan) -> None:
    """The legacy builder has no secrets: a channel token would have to enter a layer."""
    if plan.conda and plan.conda.token_vars:
        raise bad_input(
            "the locked conda channels need a token "
            f"({', '.join(f'${{{n}}}' for n in plan.conda.token_vars)}), which only BuildKit "
            "can pass without storing it in a layer; this engine builds with the legacy builder",
            "conda-token-needs-buildkit",
            "enable BuildKit (DOCKER_BUILDKIT=1, or install docker-buildx) and build again",
        )


def legacy_ignore_note(plan: BuildPlan) -> str | None:
    """The legacy builder reads only the context root's .dockerignore: say what happens."""
    if plan.dockerignore == ".dockerignore":
        return None
    return (
        f"the legacy builder does not read {plan.dockerignore}: reproenv sends it the project "
        "folder itself, filtered by those rules"
    )


def require_image(engine: ContainerEngine, plan: BuildPlan) -> str:
    if engine.image_inspect(plan.image_tag) is None:
        raise bad_input(
            f"no image {plan.image_tag} for the current reproenv.lock",
            "image-missing",
            "run `reproenv build` first (the lock changed since the last build, or none was built)",
            image=plan.image_tag,
        )
    return plan.image_tag
