"""Podman as the container engine: the engine RHEL servers and many GPU hosts have instead of
Docker. Its CLI takes docker's arguments, so the registry side, `capture` and the run arguments
are DockerEngine's; what differs is the version probe, the build (buildah) and the user
namespace of `run`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from reproenv.engine.docker import DockerEngine, _interrupts_for_docker, run_arguments
from reproenv.engine.protocol import Builder, EngineInfo, RunOptions
from reproenv.errors import environment

_MISSING = ("image not known", "no such image", "no such object")


def _rootless() -> bool:
    return os.geteuid() != 0


@dataclass
class PodmanEngine(DockerEngine):
    engine_name: ClassVar[str] = "podman"
    executable: str = "podman"
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # rootless podman maps the invoking user to root in the container unless told otherwise
    rootless: Callable[[], bool] = field(default=_rootless, compare=False, repr=False)

    def _run(
        self, args: Sequence[str], extra_env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        path = shutil.which(self.executable)
        if path is None:
            raise environment(
                f"podman executable {self.executable!r} not found",
                "docker-not-found",
                "install Podman (`apt-get install podman`, `dnf install podman`), or choose "
                "Docker with --engine docker / REPROENV_ENGINE=docker",
                executable=self.executable,
            )
        env = {**self.env, **(extra_env or {})}
        return subprocess.run([path, *args], env=env, text=True, check=False, **kwargs)

    def info(self, *, capability: bool = False) -> EngineInfo:
        # podman has no daemon: `info` answers only when its storage and runtime work
        result = self._run(["info", "--format", "{{json .Version}}"], capture_output=True)
        try:
            version = str(json.loads(result.stdout or "{}").get("Version", ""))
        except (json.JSONDecodeError, AttributeError):
            version = ""
        if result.returncode != 0 or not version:
            detail = (result.stderr or "").strip().splitlines()
            raise environment(
                "podman does not work here" + (f": {detail[-1]}" if detail else ""),
                "docker-engine-unavailable",
                "run `podman info` to see why (storage, the user's subuid/subgid ranges, "
                "containers.conf)",
                executable=self.executable,
            )
        return EngineInfo(self.executable, version, version, Builder.BUILDAH)

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
        args = build_arguments(
            context=context,
            dockerfile=dockerfile,
            tag=tag,
            platform=platform,
            build_args=build_args,
            secrets=secrets,
            network=network,
            from_stdin=context_tar is not None,
            no_cache=no_cache,
        )
        self._run_build(args, tag, context_tar)

    def _image_missing(self, stderr: str) -> bool:
        return any(text in stderr.lower() for text in _MISSING)

    def run(self, image: str, command: Sequence[str], options: RunOptions) -> int:
        args = podman_run_arguments(image, command, options, rootless=self.rootless())
        with _interrupts_for_docker(options.on_interrupt):
            return self._run(args).returncode


def build_arguments(
    *,
    context: Path,
    dockerfile: Path,
    tag: str,
    platform: str,
    build_args: Mapping[str, str],
    secrets: Mapping[str, Path],
    network: str | None,
    from_stdin: bool,
    no_cache: bool,
) -> list[str]:
    # docker format: buildah's OCI default drops HEALTHCHECK/SHELL and docker tools read it
    args = ["build", "--format", "docker", "--platform", platform]
    if no_cache:
        args.append("--no-cache")
    for secret_id, source in sorted(secrets.items()):
        args += ["--secret", f"id={secret_id},src={source}"]
    if network:
        args += ["--network", network]
    for key, value in sorted(build_args.items()):
        args += ["--build-arg", f"{key}={value}"]
    return [*args, "-f", str(dockerfile), "-t", tag, "-" if from_stdin else str(context)]


def podman_run_arguments(
    image: str, command: Sequence[str], options: RunOptions, *, rootless: bool
) -> list[str]:
    """docker's run arguments, and when rootless `--userns=keep-id`: the invoking user keeps
    its uid inside, so what the command writes into the mounted project is the user's on the
    host (rootless podman would otherwise map the image's user to a subordinate uid)."""
    args = run_arguments(image, command, options)
    if options.gpus:  # podman has no --gpus: the NVIDIA Container Toolkit's CDI device instead
        at = args.index("--gpus")
        args[at : at + 2] = ["--device", "nvidia.com/gpu=all"]
    for at, value in enumerate(args[:-1]):
        if value == "--tmpfs":
            args[at + 1] = _tmpfs(args[at + 1])
    if rootless:
        args.insert(2, "--userns=keep-id")
    return args


def _tmpfs(spec: str) -> str:
    """Podman's tmpfs takes no uid=/gid=; `U` gives it to the container's user instead."""
    target, _, options = spec.partition(":")
    kept = [o for o in options.split(",") if o and not o.startswith(("uid=", "gid="))]
    if len(kept) != len([o for o in options.split(",") if o]):
        kept.append("U")
    return f"{target}:{','.join(kept)}" if kept else target
