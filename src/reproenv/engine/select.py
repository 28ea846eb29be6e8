"""The one place that chooses the container engine.

Every caller (the lockers that run inside the pinned base, `build`, `run`, `shell`, `doctor`)
gets its engine from `open_engine`; Docker or Podman is chosen here and nowhere else.
"""

from __future__ import annotations

from reproenv.engine.docker import DockerEngine
from reproenv.engine.podman import PodmanEngine
from reproenv.engine.protocol import ContainerEngine
from reproenv.settings import docker_executable, engine_name


def open_engine(docker: str | None = None, engine: str | None = None) -> ContainerEngine:
    """The engine `engine` names (`--engine`), else REPROENV_ENGINE, else Docker, or Podman
    when only Podman is installed. Docker's client: `docker` (`--docker`), else
    REPROENV_DOCKER, else `docker` on PATH; Podman's: `--docker` when given, else `podman`.
    Opening runs nothing: the first call (`info`, typically) reaches it."""
    if engine_name(engine) == "podman":
        return PodmanEngine(docker or "podman")
    # the return type makes mypy check, on every lint, that DockerEngine is a ContainerEngine
    return DockerEngine(docker_executable(docker))
