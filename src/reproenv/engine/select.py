"""The one place that chooses the container engine.

Every caller (the lockers that run inside the pinned base, `build`, `run`, `shell`, `doctor`)
gets its engine from `open_engine`; a second engine (Podman) is chosen here and nowhere else.
"""

from __future__ import annotations

from reproenv.engine.docker import DockerEngine
from reproenv.engine.protocol import ContainerEngine
from reproenv.settings import docker_executable


def open_engine(docker: str | None = None) -> ContainerEngine:
    """The engine named by `docker` (the `--docker` option), else REPROENV_DOCKER, else the
    `docker` on PATH. Opening runs nothing: the first call (`info`, typically) reaches it."""
    # the return type makes mypy check, on every lint, that DockerEngine is a ContainerEngine
    return DockerEngine(docker_executable(docker))
