"""Host checks for `reproenv doctor`: engine, builder features, registry."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from reproenv.engine import LEGACY_NOTE, Builder, open_engine
from reproenv.engine.capability import Capability
from reproenv.errors import ReproenvError
from reproenv.host.report import HostGpuReport
from reproenv.oci.client import RegistryClient
from reproenv.oci.reference import ImageRef
from reproenv.settings import MIRROR_ENV, docker_executable
from reproenv.spec.load import load_spec
from reproenv.spec.model import DEFAULT_PYTHON, default_base_image


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    data: dict[str, object] | None = None  # the facts behind the detail, for --json

    def as_dict(self) -> dict[str, object]:
        found = asdict(self)
        if self.data is None:
            del found["data"]
        return found


def run_checks(project: Path, docker: str | None) -> list[Check]:
    from reproenv.host.probe import probe_host

    report = probe_host(docker=docker_executable(docker))
    return [*_engine_checks(docker), _registry_check(project), gpu_check(report, project)]


def gpu_check(report: HostGpuReport, project: Path) -> Check:
    """No GPU is a fine answer; a GPU the engine cannot hand to containers, or one that the
    project's locked CUDA cannot use, needs a fix."""
    data = report.as_dict()
    if not report.gpus and report.driver_version is None:
        return Check("gpu", True, "no NVIDIA GPU or driver on this host", data=data)
    cuda = f"CUDA ≤ {report.max_cuda[0]}.{report.max_cuda[1]}" if report.max_cuda else "CUDA ?"
    gpus = ", ".join(
        f"{g.name} (sm_{g.compute_capability[0]}{g.compute_capability[1]})" for g in report.gpus
    )
    detail = f"{len(report.gpus)} GPU: {gpus or 'unknown'}; driver {report.driver_version}, {cuda}"
    problem = _locked_cuda_problem(report, project)
    if problem:
        return Check("gpu", False, f"{detail}; {problem[0]}", problem[1], data)
    if report.docker_nvidia_runtime is False:
        return Check(
            "gpu",
            False,
            detail + "; the Docker engine has no NVIDIA runtime",
            "install the NVIDIA Container Toolkit and restart dockerd (`nvidia-ctk runtime "
            "configure --runtime=docker`)",
            data,
        )
    return Check("gpu", True, detail, data=data)


def _engine_checks(docker: str | None) -> list[Check]:
    engine = open_engine(docker)
    try:
        info = engine.info(capability=True)
    except ReproenvError as error:
        return [
            Check("engine", False, error.message, error.hint),
            Check("builder", False, "unknown without an engine", "fix the engine first"),
        ]
    described = f"docker client {info.client_version}, engine {info.server_version}"
    if info.builder is Builder.BUILDAH:
        described = f"podman {info.client_version} ({info.executable})"
    engine_check = Check("engine", True, described)
    timestamps = rewrite_check(info.capability)
    if info.builder is Builder.LEGACY:
        legacy = Check("builder", False, "legacy builder only", LEGACY_NOTE)
        return [engine_check, legacy, timestamps]
    features = "secret and cache mounts"
    return [engine_check, Check("builder", True, f"{info.builder.value}: {features}"), timestamps]


def rewrite_check(capability: Capability) -> Check:
    """Informational: a builder that cannot rewrite timestamps still builds; only
    `build --check-reproducible` falls back to comparing environment fingerprints."""
    data = capability.as_dict()
    if capability.can_rewrite_timestamps:
        return Check("bit-for-bit", True, capability.describe(), data=data)
    return Check(
        "bit-for-bit",
        True,
        f"{capability.describe()} ({capability.why_not}); `build --check-reproducible` "
        "compares environment fingerprints instead of image digests",
        "for identical digests: Docker >= 25 with the containerd image store "
        '(`"features": {"containerd-snapshotter": true}`) and docker-buildx',
        data,
    )


def _registry_check(project: Path) -> Check:
    try:
        spec = load_spec(project)
        base, mirror = spec.base_image, spec.registry_mirror
    except ReproenvError:
        # outside a project: check the default base image's registry
        base, mirror = default_base_image(DEFAULT_PYTHON), os.environ.get(MIRROR_ENV)
    try:
        from reproenv.lock.base_catalog import expand_base

        base = expand_base(base)  # a curated image's registry, not a Docker Hub name
        url = RegistryClient(mirror=mirror).ping(ImageRef.parse(base))
    except ReproenvError as error:
        return Check("registry", False, error.message, error.hint)
    return Check("registry", True, f"{url} answers (for {base})")


def _locked_cuda_problem(report: HostGpuReport, project: Path) -> tuple[str, str] | None:
    """(what, fix) when the project's lock needs a newer driver or other GPU kernels."""
    from reproenv.compat.drivers import driver_runs
    from reproenv.compat.torch_choice import choose_torch
    from reproenv.compat.versions import parse_cuda
    from reproenv.lock.model import LOCK_FILE, read_lock

    try:
        lock = read_lock(project / LOCK_FILE)
    except ReproenvError:
        return None  # `lock --check` reports a damaged lock
    if lock is None or lock.gpu is None or lock.gpu.cuda is None or not report.driver_version:
        return None
    cuda = parse_cuda(lock.gpu.cuda)
    runs, why = driver_runs(report.driver_version, cuda)
    if not runs:
        return f"the lock needs CUDA {lock.gpu.cuda}: {why}", (
            "upgrade this host's driver, or lock for it: set gpu-driver in reproenv.toml"
        )
    torch = next((p.version for p in lock.pip_packages if p.name == "torch"), None)
    if torch and report.gpus:
        try:
            choice = choose_torch(
                torch.split("+", 1)[0], driver=report.driver_version,
                compute_capability=report.gpus[0].compute_capability, wanted_cuda=lock.gpu.cuda,
            )  # fmt: skip
        except ReproenvError as error:
            return error.message, error.hint
        if choice.warnings:
            return "; ".join(choice.warnings), "lock a torch build with kernels for this GPU"
    return None
