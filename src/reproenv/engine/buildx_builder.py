"""`build --builder NAME`: BuildKit's own builders for builds that outgrow one machine (a remote
BuildKit, Kubernetes, a docker-container builder, another engine's context), chosen the way
buildx itself chooses one, through BUILDX_BUILDER, so every buildx call of this process (the
build, `buildx inspect` for --check-reproducible) uses the same builder."""

from __future__ import annotations

import os

from reproenv.engine.docker import DockerEngine
from reproenv.engine.protocol import ContainerEngine
from reproenv.errors import bad_input

BUILDER_ENV = "BUILDX_BUILDER"


def use_builder(engine: ContainerEngine, name: str) -> list[str]:
    """Point `engine` (and engines this process opens later) at builder `name`; returns what
    to tell the user about it."""
    if not name.strip() or name.startswith("-"):
        raise bad_input(
            f"--builder {name!r} is not a builder name",
            "builder-unknown",
            "name one of `docker buildx ls`",
            key="--builder",
        )
    if not isinstance(engine, DockerEngine) or engine.engine_name != "docker":
        raise bad_input(
            "--builder chooses a buildx builder: it needs the docker engine",
            "builder-needs-buildx",
            "build without --builder, or with --engine docker",
            key="--builder",
        )
    if engine.capture(["buildx", "version"]).returncode != 0:
        raise bad_input(
            "--builder chooses a buildx builder, but this docker client has no buildx plugin",
            "builder-needs-buildx",
            "install buildx (Debian: docker-buildx), or build without --builder",
            key="--builder",
        )
    inspected = engine.capture(["buildx", "inspect", name])
    if inspected.returncode != 0:
        said = (inspected.stderr or inspected.stdout).strip().splitlines()
        raise bad_input(
            f"no buildx builder {name!r}" + (f": {said[-1]}" if said else ""),
            "builder-unknown",
            "`docker buildx ls` lists the builders; make one with `docker buildx create --name "
            f"{name} --driver remote tcp://HOST:PORT` (or --driver kubernetes, docker-container)",
            key="--builder",
        )
    from reproenv.engine.capability import buildx_builder

    driver, kit = buildx_builder(inspected.stdout)
    said = [f"builder {name}: driver {driver or '?'}" + (f", BuildKit {kit}" if kit else "")]
    current = engine.capture(["context", "show"]).stdout.strip()
    if driver == "docker" and name != current:
        # another context's own engine: buildx builds there only from that context, and the
        # image stays in that engine, which every later call of this build then talks to
        _switch(engine, {"DOCKER_CONTEXT": name}, drop="DOCKER_HOST")
        return [*said, f"the image is built in, and kept by, the engine of docker context {name}"]
    _switch(engine, {BUILDER_ENV: name})
    return said


def _switch(engine: DockerEngine, variables: dict[str, str], drop: str | None = None) -> None:
    """For the engine's commands and for engines this process opens later."""
    kept = {key: value for key, value in engine.env.items() if key != drop}
    engine.env = {**kept, **variables}
    if drop:
        os.environ.pop(drop, None)
    os.environ.update(variables)
