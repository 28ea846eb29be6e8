"""What every container engine offers its callers, and the values they exchange with it.

Lockers (apt, pip-compile and the base's Python, run inside the pinned base), the image build and
`run`/`shell`/`doctor` type against `ContainerEngine`, never a concrete engine, so a second engine
(Podman) is one more module here and one more branch in `engine/select.py`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from reproenv.engine.capability import Capability


class Builder(Enum):
    BUILDX = "buildx"
    BUILDKIT = "buildkit"  # the engine's built-in BuildKit through a classic client
    LEGACY = "legacy"
    BUILDAH = "buildah"  # podman build: RUN --mount=type=cache/secret like BuildKit

    @property
    def supports_mounts(self) -> bool:
        return self is not Builder.LEGACY


@dataclass(frozen=True)
class EngineInfo:
    executable: str
    client_version: str
    server_version: str
    builder: Builder
    # what the builder can guarantee (bit-for-bit images need rewritten timestamps); probed
    # only when `info(capability=True)` asks, since it costs two more engine calls
    capability: Capability = field(default_factory=Capability)


@dataclass(frozen=True)
class RunOptions:
    """What `docker run` gets besides the image and the command."""

    workdir: str
    mounts: Mapping[Path, str] = field(default_factory=dict)  # host folder -> container path
    gpus: bool = False
    user: str | None = None  # docker's --user: UID:GID or a name
    env: Sequence[str] = ()  # docker's -e: KEY=VALUE, or KEY for the host's value
    volumes: Sequence[str] = ()
    publish: Sequence[str] = ()
    tmpfs: Sequence[str] = ()
    network: str | None = None
    interactive: bool = False  # -i: stdin reaches the command
    tty: bool = False  # -t: a terminal inside
    name: str | None = None  # --name: so the caller can reach the container while it runs
    # called when this process gets SIGINT while the container runs; docker's sig-proxy already
    # passes on what it gets itself (a terminal's Ctrl-C), the rest is the caller's to pass on
    # called with the signal (SIGINT, or SIGTERM as schedulers send it) while the container runs
    on_interrupt: Callable[[int], None] | None = field(default=None, compare=False, repr=False)


@runtime_checkable  # tests/unit/engine/test_protocol.py checks each engine against it
class ContainerEngine(Protocol):
    """A container engine as reproenv drives it. Failures to reach it are `ReproenvError`s
    (exit 3) that name the executable and say how to fix it."""

    def info(self, *, capability: bool = False) -> EngineInfo:
        """The client and server versions and the builder, and with `capability` what the
        builder can guarantee; raises when the engine is away."""
        ...

    def build(
        self,
        *,
        builder: Builder,
        context: Path,
        dockerfile: Path,
        tag: str,
        platform: str,
        build_args: Mapping[str, str],
        secrets: Mapping[str, Path],
        network: str | None = None,
        context_tar: Path | None = None,
        no_cache: bool = False,
        output: str | None = None,
    ) -> None:
        """Build and load `tag`; progress goes to stderr. Raises `build-failed`. `output`
        (buildx only): an `--output` spec to export to instead of loading, without provenance
        attestation (it changes every build)."""
        ...

    def capture(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Run an engine command given as docker CLI arguments (podman takes the same) and
        collect its output: the lockers' way to run a tool inside the pinned base."""
        ...

    def image_inspect(self, image: str) -> dict[str, Any] | None:
        """The image's inspect record, or None when the engine has no such image."""
        ...

    def run(self, image: str, command: Sequence[str], options: RunOptions) -> int:
        """Run `command` in `image` on this terminal; the container's exit code."""
        ...

    # The registry side, for `reproenv publish`. `auth_dir`: a docker config folder whose
    # credentials are used instead of the user's own (the engine's DOCKER_CONFIG). A registry
    # that refuses the credentials raises `registry-denied`; other failures `registry-failed`.

    def tag(self, image: str, target: str) -> None:
        """Give `image` the further name `target` (repository:tag)."""
        ...

    def push(self, reference: str, *, auth_dir: Path | None = None) -> None:
        """Push `reference` (repository:tag) to its registry; progress goes to stderr."""
        ...

    def pull(self, reference: str, *, auth_dir: Path | None = None) -> None:
        """Pull `reference` (by tag or digest) from its registry; progress goes to stderr."""
        ...

    def login(self, registry: str, username: str, password: str, *, auth_dir: Path) -> None:
        """Store credentials for `registry` in `auth_dir`, the password passed on stdin (never
        in an argument, never printed)."""
        ...
