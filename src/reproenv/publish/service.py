"""Push the image of the current lock, verify what the registry holds, record it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reproenv.build.service import require_image
from reproenv.engine import ContainerEngine
from reproenv.errors import ReproenvError, bad_input, environment
from reproenv.plan.model import BuildPlan
from reproenv.publish.credentials import engine_auth
from reproenv.publish.record import PUBLISH_DIR, PublishRecord, utc_now, write_record
from reproenv.publish.tags import choose_tags
from reproenv.runs.git import Git, collect_code
from reproenv.spec.model import repository_problem

# (repository:tag, platform, env) -> the digest the registry serves for that tag
Resolver = Callable[[str, str, Mapping[str, str]], str]


@dataclass(frozen=True)
class Published:
    reference: str  # repository@digest, pulled back once pushed
    record: PublishRecord
    record_path: Path
    note: str | None  # why a git tag is missing


def checked_repository(value: str, where: str) -> str:
    problem = repository_problem(value)
    if problem:
        raise bad_input(
            f"{where} {value!r} is not a repository to publish to: {problem}",
            "bad-publish-repository",
            "write it as host[:port]/org/name, for example ghcr.io/org/name",
            argument=where,
        )
    return value.strip()


def registry_digest(reference: str, platform: str, env: Mapping[str, str]) -> str:
    """What the tag names on the registry, asked with reproenv's own client (and credentials)."""
    from reproenv.oci.client import RegistryClient
    from reproenv.oci.reference import ImageRef

    (resolved,) = RegistryClient(env=env).resolve(ImageRef.parse(reference), [platform])
    return resolved.index_digest or resolved.digest  # the tag's own manifest


def publish_image(
    engine: ContainerEngine,
    plan: BuildPlan,
    project_dir: Path,
    repository: str,
    *,
    release: str | None = None,
    extra_tags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    resolve: Resolver = registry_digest,
    git: Git | None = None,
    now: Callable[[], datetime] = utc_now,
) -> Published:
    """Tag and push the built image under every chosen tag, then report the digest only once
    each tag resolves to it and a pull by that digest gives back this very image."""
    env = os.environ if env is None else env
    image = require_image(engine, plan)
    image_id = _image_id(engine, image)
    chosen = choose_tags(
        plan.image_tag,
        collect_code(project_dir, [PUBLISH_DIR], git),
        release=release,
        extra=extra_tags,
    )
    registry = repository.split("/", 1)[0]
    with engine_auth(engine, registry, repository, env) as auth:
        try:
            for tag in chosen.tags:
                engine.tag(image, f"{repository}:{tag}")
                engine.push(f"{repository}:{tag}", auth_dir=auth.auth_dir)
            digest = _one_digest(repository, chosen.tags, plan.platform, env, resolve)
            pinned = f"{repository}@{digest}"
            engine.pull(pinned, auth_dir=auth.auth_dir)
            if _image_id(engine, pinned) != image_id:
                raise environment(
                    f"{pinned} is not the image pushed ({image_id}): the registry changed it, "
                    "or another push replaced the tag meanwhile",
                    "publish-mismatch",
                    "publish again; if it repeats, check what else pushes to the repository",
                    image=pinned,
                )
        except ReproenvError as error:
            raise auth.explain(error) from None
    when = now()
    record = PublishRecord(
        registry=registry,
        repository=repository,
        digest=digest,
        reference=pinned,
        tags=chosen.tags,
        lock_hash=plan.lock_hash,
        image_id=image_id,
        image_tag=image,
        platform=plan.platform,
        commit=chosen.commit,
        release=release.strip() if release else None,
        time=when.isoformat().replace("+00:00", "Z"),
    )
    return Published(pinned, record, write_record(project_dir, record, when), chosen.note)


def _image_id(engine: ContainerEngine, image: str) -> str:
    inspect = engine.image_inspect(image)
    if inspect is None or not inspect.get("Id"):
        raise environment(
            f"the engine has no image {image}",
            "publish-mismatch",
            "publish again; `reproenv doctor` checks the engine",
            image=image,
        )
    return str(inspect["Id"])


def _one_digest(
    repository: str,
    tags: Sequence[str],
    platform: str,
    env: Mapping[str, str],
    resolve: Resolver,
) -> str:
    found = {tag: resolve(f"{repository}:{tag}", platform, env) for tag in tags}
    digests = set(found.values())
    if len(digests) != 1:
        shown = ", ".join(f"{tag} -> {digest}" for tag, digest in found.items())
        raise environment(
            f"the tags pushed to {repository} name different images ({shown})",
            "publish-mismatch",
            "another push changed a tag meanwhile; publish again",
            image=repository,
        )
    return digests.pop()
