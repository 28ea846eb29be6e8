"""`Spec` + `Lock` -> `BuildPlan`: the one structure every renderer reads. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from reproenv import __version__
from reproenv.errors import bad_input
from reproenv.lock.apt import sources_script, update_command
from reproenv.lock.model import REQUIREMENTS_LOCK, Lock
from reproenv.oci.platform import host_platform
from reproenv.plan.conda import CONDA_PREFIX, CondaEnv, check_conda_installable, conda_env
from reproenv.plan.epoch import DEFAULT_SOURCE_DATE_EPOCH, source_date_epoch
from reproenv.plan.install import PIP_INSTALL, DevStage, ImageInstall, dev_stage, image_install
from reproenv.spec.model import DEFAULT_DOCKERFILE, Spec

VENV = "/opt/venv"
APP_UID = 1000
CA_SECRET_ID = "reproenv-ca"  # noqa: S105 - the id of a build secret, not a secret
NETRC_SECRET_ID = "reproenv-netrc"  # noqa: S105 - likewise
LOCK_HASH_LABEL = "dev.reproenv.lock-hash"
GPU_LABEL = "dev.reproenv.gpu"  # `run` reads it to decide on --gpus
BASE_NAME_LABEL = "org.opencontainers.image.base.name"
BASE_DIGEST_LABEL = "org.opencontainers.image.base.digest"


PROJECT_COPY = "/tmp/reproenv/project"  # noqa: S108 - inside the build, gone after its step


def ignore_file(dockerfile: str) -> str:
    """BuildKit reads `<Dockerfile>.dockerignore` beside any Dockerfile but the context root's
    `Dockerfile`, instead of the root's `.dockerignore`; the legacy builder only the latter."""
    return ".dockerignore" if dockerfile == DEFAULT_DOCKERFILE else f"{dockerfile}.dockerignore"


@dataclass(frozen=True)
class BuildPlan:
    name: str
    python: str
    platform: str
    base_reference: str  # upstream, without digest
    base_digest: str  # the Dockerfile's default: the index when several platforms share it
    platform_digest: str  # the image manifest for `platform`, which builds pass explicitly
    apt_packages: tuple[str, ...]  # name=version, the whole closure apt would install
    has_pip_packages: bool
    requirements_lock: str
    venv: str
    user: str
    uid: int
    workdir: str
    command: tuple[str, ...]
    lock_hash: str
    ca_secret_id: str
    reproenv_version: str
    netrc_secret_id: str = NETRC_SECRET_ID
    apt_sources: str = "true"  # shell run before `apt-get update`: points apt at a snapshot
    apt_update: str = "apt-get update"
    dockerfile_syntax: str | None = None
    require_cuda: str | None = None  # "13.0" when the image's code runs on CUDA
    gpu_request: str = "auto"  # the spec's gpu: "auto" may use a GPU the host has
    # the interpreter the venv is made from: the base's python3, or python3.X installed from apt
    # on a base without Python (nvidia/cuda), whose Ubuntu 24.04 images already own uid 1000
    python_executable: str = "python3"
    python_from_apt: bool = False
    multi_platform: bool = False
    # the project itself and local path requirements, relative to the project ("." itself):
    # installed, not editable, after the pins, built offline with the locked build backends
    local_projects: tuple[str, ...] = ()
    dockerfile: str = DEFAULT_DOCKERFILE  # where generate writes it, relative to the project
    # the project's own .dockerignore rules, merged into the generated ignore file
    project_ignore: tuple[str, ...] = ()
    # the conda environment the image installs from the lock's records for `platform`
    conda: CondaEnv | None = None
    # SOURCE_DATE_EPOCH of the build and every RUN, from the lock (plan/epoch.py)
    source_date_epoch: int = DEFAULT_SOURCE_DATE_EPOCH
    # how the pins are installed: uv from its builder stage (or pip), layer by layer
    install: ImageInstall = PIP_INSTALL
    # the registry the lock names as holding a copy of the base (`reproenv mirror --record`):
    # builds pull `platform_digest` from it; the Dockerfile and labels keep the upstream name
    base_mirror: str | None = None
    # the `dev` stage after the runtime one, for the devcontainer ([devcontainer] in the spec)
    dev: DevStage | None = None

    @property
    def venv_python(self) -> str:
        """What the venv is made from: the conda environment's Python when there is one."""
        return f"{CONDA_PREFIX}/bin/python" if self.conda else self.python_executable

    @property
    def has_venv(self) -> bool:
        """A conda image has a venv only for pip packages (or local projects) on top of it."""
        return self.conda is None or self.has_pip_packages or bool(self.local_projects)

    @property
    def dockerignore(self) -> str:
        return ignore_file(self.dockerfile)

    @property
    def project_paths(self) -> tuple[str, ...]:
        """Where the build sees the local projects (a throwaway copy of the source)."""
        return tuple(
            PROJECT_COPY if path == "." else f"{PROJECT_COPY}/{path}"
            for path in self.local_projects
        )

    @property
    def base_image(self) -> str:
        return f"{self.base_reference}@{self.base_digest}"

    @property
    def image_tag(self) -> str:
        # one tag per platform when the lock has several, so builds do not replace each other
        suffix = f"-{self.platform.rsplit('/', 1)[-1]}" if self.multi_platform else ""
        return f"{self.name}:{self.lock_hash[:12]}{suffix}"

    @property
    def labels(self) -> dict[str, str]:
        return {
            "org.opencontainers.image.title": self.name,
            BASE_NAME_LABEL: self.base_reference,
            BASE_DIGEST_LABEL: self.base_digest,
            LOCK_HASH_LABEL: self.lock_hash,
            "dev.reproenv.version": self.reproenv_version,
            GPU_LABEL: gpu_label(self.require_cuda),
        }


def make_plan(
    spec: Spec,
    lock: Lock,
    lock_hash: str,
    platform: str | None = None,
    *,
    dockerfile: str | None = None,
    project_ignore: tuple[str, ...] = (),
) -> BuildPlan:
    """`dockerfile` overrides the spec's image.dockerfile (`generate --output-dir`)."""
    platform = platform or default_platform(lock.platforms)
    image = lock.image_for(platform)
    return BuildPlan(
        name=spec.name,
        python=lock.python,
        platform=platform,
        base_reference=image.reference,
        base_digest=label_base_digest(lock, platform),
        platform_digest=image.digest,
        apt_packages=tuple(
            f"{p.name}={p.version}" for p in lock.apt_packages if platform in p.platforms
        ),
        apt_sources=sources_script(lock.apt_snapshot),
        apt_update=update_command(lock.apt_snapshot),
        has_pip_packages=bool(lock.pip_packages),
        requirements_lock=REQUIREMENTS_LOCK,
        venv=VENV,
        user=spec.user,
        uid=APP_UID,
        workdir=spec.workdir,
        command=spec.command,
        lock_hash=lock_hash,
        ca_secret_id=CA_SECRET_ID,
        reproenv_version=__version__,
        multi_platform=len(lock.platforms) > 1,
        dockerfile_syntax=spec.dockerfile_syntax,
        require_cuda=locked_require_cuda(lock),
        gpu_request=spec.gpu,
        python_executable=f"python{lock.python}" if lock.python_apt else "python3",
        python_from_apt=bool(lock.python_apt),
        local_projects=lock.local_projects,
        dockerfile=dockerfile or spec.dockerfile,
        project_ignore=project_ignore,
        conda=conda_env(lock, platform, spec.conda.variables if spec.conda else ()),
        source_date_epoch=source_date_epoch(lock),
        install=image_install(lock, platform, spec.installer),
        base_mirror=image.mirror,
        dev=dev_stage(lock, platform, spec.devcontainer),
    )


def locked_require_cuda(lock: Lock) -> str | None:
    """The CUDA the container toolkit must give the image's code, None without GPU code."""
    if lock.gpu and lock.gpu.need == "cuda":
        return lock.gpu.require_cuda or lock.gpu.cuda
    return None


def gpu_label(require_cuda: str | None) -> str:
    return f"cuda{require_cuda}" if require_cuda else "none"


def label_base_digest(lock: Lock, platform: str) -> str:
    """The base digest the Dockerfile names (and the image's label carries): the index when
    several platforms share it, else the platform's manifest."""
    indexes = {i.index_digest for i in lock.images}
    shared_index = indexes.pop() if len(lock.platforms) > 1 and len(indexes) == 1 else None
    return shared_index or lock.image_for(platform).digest


def check_installable(lock: Lock, where: dict[str, str]) -> None:
    """Refuse to render an image the lock cannot give: git requirements are pinned to their
    commit in the lock, but pip cannot check a repository against a hash; conda records need
    the pinned installer that puts them in the image."""
    check_conda_installable(lock)
    pinned = [p for p in lock.pip_packages if p.vcs]
    if not pinned:
        return
    lines = "\n".join(f"  {where.get(p.name, p.name)}: {p.name} pinned to {p.vcs}" for p in pinned)
    raise bad_input(
        "reproenv.lock pins git requirements to their commits, but this version of reproenv "
        f"cannot install git requirements in the image yet:\n{lines}",
        "vcs-not-installable",
        "build a wheel of it and publish it to an index (a private one works), or move its "
        "source into the project as a local path requirement (e.g. ./libs/name)",
        package=", ".join(p.name for p in pinned),
    )


def default_platform(platforms: tuple[str, ...]) -> str:
    """This machine's platform when the lock has it (so `run` works natively), else the first."""
    machine = host_platform()
    return machine if machine in platforms else platforms[0]
