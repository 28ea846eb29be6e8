"""The docker CLI as the container engine, whatever its builder (buildx, BuildKit, legacy)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from packaging.version import InvalidVersion, Version

from reproenv.engine.capability import (
    Capability,
    buildx_builder,
    buildx_version,
    containerd_store,
)
from reproenv.engine.protocol import Builder, EngineInfo, RunOptions
from reproenv.errors import ReproenvError, environment

# Clients from 23.0 on refuse DOCKER_BUILDKIT=1 without the buildx plugin; older ones drive
# the engine's built-in BuildKit themselves.
_CLIENT_NEEDS_BUILDX = Version("23.0")


# what docker and registries say when they refuse the credentials (or their absence)
_DENIED = re.compile(
    r"unauthori[sz]ed|denied|authentication required|no basic auth credentials|"
    r"\b(401|403)\b|forbidden",
    re.IGNORECASE,
)


LEGACY_NOTE = (
    "the legacy builder cannot use secret or cache mounts: an extra CA bundle cannot reach "
    "pip and pip's download cache is not kept between builds. Install docker-buildx, or name "
    "a docker client that has BuildKit with --docker / REPROENV_DOCKER"
)


@dataclass
class DockerEngine:
    engine_name: ClassVar[str] = "docker"  # in messages
    executable: str = "docker"
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def _run(
        self, args: Sequence[str], extra_env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        path = shutil.which(self.executable)
        if path is None:
            raise environment(
                f"docker executable {self.executable!r} not found",
                "docker-not-found",
                "install Docker, or name the docker client with --docker / REPROENV_DOCKER",
                executable=self.executable,
            )
        env = {**self.env, **(extra_env or {})}
        return subprocess.run([path, *args], env=env, text=True, check=False, **kwargs)

    def info(self, *, capability: bool = False) -> EngineInfo:
        result = self._run(["version", "--format", "{{json .}}"], capture_output=True)
        try:
            data = json.loads(result.stdout or "{}")
        except json.JSONDecodeError:
            data = {}
        client = (data.get("Client") or {}).get("Version", "")
        server = (data.get("Server") or {}).get("Version", "") if data.get("Server") else ""
        if result.returncode != 0 or not server:
            detail = (result.stderr or "").strip().splitlines()
            raise environment(
                "the Docker engine is not reachable" + (f": {detail[-1]}" if detail else ""),
                "docker-engine-unavailable",
                "start it (`sudo systemctl start docker`, or `make infra` on a test machine), "
                "or point DOCKER_HOST at a running engine",
                executable=self.executable,
            )
        buildx = self._run(["buildx", "version"], capture_output=True)
        builder = self._detect_builder(client, buildx.returncode == 0)
        if not capability:
            return EngineInfo(self.executable, client, server, builder)
        found = self._capability(server, buildx.stdout if buildx.returncode == 0 else None)
        return EngineInfo(self.executable, client, server, builder, found)

    def _capability(self, server: str, buildx: str | None) -> Capability:
        info = self._run(["info", "--format", "{{json .}}"], capture_output=True)
        driver, kit = None, None
        if buildx is not None:
            inspect = self._run(["buildx", "inspect"], capture_output=True)
            if inspect.returncode == 0:
                driver, kit = buildx_builder(inspect.stdout)
        return Capability(
            server_version=server,
            containerd_store=info.returncode == 0 and containerd_store(info.stdout),
            buildx_version=None if buildx is None else (buildx_version(buildx) or "?"),
            buildkit_version=kit,
            buildx_driver=driver,
        )

    def _detect_builder(self, client_version: str, has_buildx: bool) -> Builder:
        if has_buildx:
            return Builder.BUILDX
        try:
            if Version(client_version) < _CLIENT_NEEDS_BUILDX:
                return Builder.BUILDKIT
        except InvalidVersion:
            pass
        return Builder.LEGACY

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
        """`context_tar`: send this tar as the context on stdin (its `dockerfile` is a name
        inside it) instead of letting the client pack `context`."""
        args: list[str] = ["build"]
        if builder is Builder.BUILDX:
            exported = ["--provenance=false", "--output", output] if output else ["--load"]
            args = ["buildx", "build", *exported]
        if no_cache:
            args.append("--no-cache")
        if builder is not Builder.LEGACY:
            args += ["--progress", "plain", "--platform", platform]
            for secret_id, source in sorted(secrets.items()):
                args += ["--secret", f"id={secret_id},src={source}"]
        if network:
            args += ["--network", network]
        for key, value in sorted(build_args.items()):
            args += ["--build-arg", f"{key}={value}"]
        args += ["-f", str(dockerfile), "-t", tag, "-" if context_tar else str(context)]
        buildkit = "0" if builder is Builder.LEGACY else "1"
        self._run_build(args, tag, context_tar, {"DOCKER_BUILDKIT": buildkit})

    def _run_build(
        self,
        args: list[str],
        tag: str,
        context_tar: Path | None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        """Run the engine's build command, its context tar on stdin when given; its progress
        goes to stderr, as it is for people, so that stdout stays for results."""
        if context_tar is None:
            result = self._run(args, stdout=sys.stderr, extra_env=extra_env)
        else:
            with context_tar.open("rb") as stdin:
                result = self._run(args, stdout=sys.stderr, stdin=stdin, extra_env=extra_env)
        if result.returncode != 0:
            raise environment(
                f"{self.engine_name} build of {tag} failed (exit {result.returncode}); "
                "its output is above",
                "build-failed",
                "read the failing step above; `reproenv doctor` checks the engine and registry",
                image=tag,
            )

    def capture(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Run a docker command and collect its output (for resolution steps)."""
        return self._run(args, capture_output=True)

    def image_inspect(self, image: str) -> dict[str, Any] | None:
        result = self._run(["image", "inspect", image], capture_output=True)
        if result.returncode != 0:
            if self._image_missing(result.stderr):
                return None
            self.info()  # raises the engine error when that is the cause
            return None
        data: list[dict[str, Any]] = json.loads(result.stdout)
        return data[0] if data else None

    def _image_missing(self, stderr: str) -> bool:
        """Whether `image inspect` failed only because the engine has no such image."""
        return "No such image" in stderr or "No such object" in stderr

    def run(self, image: str, command: Sequence[str], options: RunOptions) -> int:
        """`docker run` with this terminal's stdin and stdout; the container's exit code."""
        args = run_arguments(image, command, options)
        with _interrupts_for_docker(options.on_interrupt):
            return self._run(args).returncode

    def tag(self, image: str, target: str) -> None:
        result = self._run(["tag", image, target], capture_output=True)
        if result.returncode != 0:
            raise _registry_error("tag", target, result.stderr, self.executable)

    def push(self, reference: str, *, auth_dir: Path | None = None) -> None:
        self._registry_command(["push", reference], reference, auth_dir)

    def pull(self, reference: str, *, auth_dir: Path | None = None) -> None:
        self._registry_command(["pull", reference], reference, auth_dir)

    def login(self, registry: str, username: str, password: str, *, auth_dir: Path) -> None:
        args = ["login", "--username", username, "--password-stdin", registry]
        # captured: docker login warns that the password is stored unencrypted, naming the file
        result = self._run(
            args,
            extra_env={"DOCKER_CONFIG": str(auth_dir)},
            input=password,
            capture_output=True,
        )
        if result.returncode != 0:
            raise _registry_error("login", registry, result.stderr, self.executable)

    def _registry_command(self, args: list[str], reference: str, auth_dir: Path | None) -> None:
        extra_env = {"DOCKER_CONFIG": str(auth_dir)} if auth_dir is not None else None
        # progress to stderr as it is for people; stderr is kept to say why it failed
        result = self._run(args, extra_env=extra_env, stdout=sys.stderr, stderr=subprocess.PIPE)
        if result.returncode != 0:
            raise _registry_error(args[0], reference, result.stderr, self.executable)


def _registry_error(
    action: str, reference: str, stderr: str | None, executable: str
) -> ReproenvError:
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    detail = lines[-1] if lines else "no message"
    if _DENIED.search(stderr or ""):
        return environment(
            f"docker {action} {reference} was refused by the registry: {detail}",
            "registry-denied",
            "log in to the registry with an account that may push there",
            image=reference,
            executable=executable,
        )
    return environment(
        f"docker {action} {reference} failed: {detail}",
        "registry-failed",
        "check that the registry is reachable and the name is right; `reproenv doctor` checks "
        "the engine",
        image=reference,
        executable=executable,
    )


@contextlib.contextmanager
def _interrupts_for_docker(on_interrupt: Callable[[int], None] | None = None) -> Iterator[None]:
    """Ctrl-C is docker's to hand to the container (its sig-proxy, or the TTY), so the exit
    code stays the command's and the container is not orphaned by a killed client. A handler,
    not SIG_IGN: an ignored signal would stay ignored in docker too. With `on_interrupt`,
    SIGTERM (a scheduler's, `kill`'s) goes to it as well instead of ending reproenv at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if on_interrupt is not None:
            on_interrupt(signum)

    caught = (signal.SIGINT, signal.SIGTERM) if on_interrupt is not None else (signal.SIGINT,)
    previous = {signum: signal.signal(signum, handler) for signum in caught}
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


def run_arguments(image: str, command: Sequence[str], options: RunOptions) -> list[str]:
    args = ["run", "--rm"]
    if options.interactive:
        args.append("-i")
    if options.tty:
        args.append("-t")
    if options.user:
        args += ["--user", options.user]
    args += ["-w", options.workdir]
    for source, target in options.mounts.items():
        args += ["-v", f"{source}:{target}"]
    for spec in options.tmpfs:
        args += ["--tmpfs", spec]
    for volume in options.volumes:
        args += ["-v", volume]
    # reproenv's own variables first: docker keeps the last of a name, so the user's win
    for variable in options.env:
        args += ["-e", variable]
    for port in options.publish:
        args += ["-p", port]
    if options.network:
        args += ["--network", options.network]
    if options.gpus:
        args += ["--gpus", "all"]
    if options.name:
        args += ["--name", options.name]
    return [*args, image, *command]


def terminal_modes(stdin_fd: int = 0, stdout_fd: int = 1) -> tuple[bool, bool]:
    """docker's -i and -t as a user expects them: stdin is forwarded whenever there is one (a
    pipe, a file, a terminal), a TTY only when stdin and stdout are both terminals. A job put in
    the background of a terminal leaves it alone, instead of stopping on its first read."""
    try:
        os.fstat(stdin_fd)
    except OSError:
        return False, False  # stdin closed
    if not os.isatty(stdin_fd):
        return True, False
    try:
        foreground = os.tcgetpgrp(stdin_fd) == os.getpgrp()
    except OSError:
        foreground = True  # a terminal that is not this process's controlling one
    if not foreground:
        return False, False
    return True, os.isatty(stdout_fd)
