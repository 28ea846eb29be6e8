"""The pip-tools backend (a private adapter): same inputs, same lock format as uv's.

pip-compile resolves for the interpreter that runs it, so it runs here only when this host is
the target (same Python minor, same platform); otherwise it runs inside the pinned base image.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reproenv.errors import bad_input, environment, redact
from reproenv.lock.inputs import check_supported, hashed_pins
from reproenv.lock.locker import NO_UPGRADE, Upgrade
from reproenv.lock.model import LockedImage, LockedPipPackage
from reproenv.lock.pip.backend import BackendName, PipResolution
from reproenv.lock.pip.uv_command import isolated_env, wheel_platform
from reproenv.oci.platform import host_platform
from reproenv.settings import PIP_TOOLS_IN_IMAGE_ENV
from reproenv.spec.envvars import expand_env
from reproenv.spec.model import Spec
from reproenv.spec.requirements import canonical_name


def piptools_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pip-tools")
    except PackageNotFoundError:
        raise bad_input(
            "the pip-tools backend needs pip-tools installed beside reproenv",
            "pip-tools-missing",
            "pip install 'reproenv[pip-tools]', or use the default uv backend",
        ) from None


def host_is_target(spec: Spec, platform: str) -> bool:
    same_python = f"{sys.version_info.major}.{sys.version_info.minor}" == spec.python
    on_linux = sys.platform.startswith("linux")
    return on_linux and same_python and host_platform() == platform


@dataclass(frozen=True)
class PipToolsBackend:
    name: BackendName = "pip-tools"
    runs_in_base: bool = True  # pip-compile resolves for the interpreter that runs it
    parallel: bool = False  # each run may start a container
    variant_indexes: bool = False
    locks_local_projects: bool = False  # it refuses local path lines

    def resolve(
        self,
        spec: Spec,
        platform: str,
        ca_cert: Path | None,
        image: LockedImage | None,
        *,
        preferences: tuple[LockedPipPackage, ...],
        upgrade: Upgrade,
        variant_indexes: tuple[str, ...],
        started: Callable[[], None],
    ) -> PipResolution:
        if image is None:  # the service looks the digests up first (`runs_in_base`)
            raise RuntimeError(f"no pinned base for {platform}: pip-compile may run in it")
        started()  # its container starts now; pip-compile runs far longer than the wait
        return resolve_piptools(
            spec, platform, ca_cert, image, preferences=preferences, upgrade=upgrade
        )


def resolve_piptools(
    spec: Spec,
    platform: str,
    ca_cert: Path | None,
    image: LockedImage,
    *,
    preferences: tuple[LockedPipPackage, ...] = (),
    upgrade: Upgrade = NO_UPGRADE,
) -> PipResolution:
    version = piptools_version()
    _refuse_unsupported(spec)
    check_supported(spec)
    inputs = [*spec.requirements, *(["pyproject.toml"] if spec.pyproject_dependencies else [])]
    options = _options(spec, upgrade)
    previous = "".join(
        f"{p.name}=={p.version}\n" for p in preferences if platform in p.platforms
    )  # pip-compile keeps the pins already in its output file
    in_image = os.environ.get(PIP_TOOLS_IN_IMAGE_ENV) == "1" or not host_is_target(spec, platform)
    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        output = Path(scratch) / "requirements.txt"
        output.write_text(previous, encoding="utf-8")
        if in_image:
            result = _run_in_image(spec, image, version, options, inputs, Path(scratch), ca_cert)
        else:
            result = _run_here(spec, options, inputs, output, ca_cert)
        if result.returncode != 0:
            raise _failure(spec, result.stderr or result.stdout)
        pins = hashed_pins(output.read_text(encoding="utf-8")) or []
    where = "in the base image" if in_image else "on this host"
    return PipResolution(
        f"pip-tools {version} ({where})",
        wheel_platform(platform),
        tuple(
            LockedPipPackage(
                name=canonical_name(name), version=pin, platforms=(platform,), given_hashes=hashes
            )
            for name, pin, hashes in sorted(pins)
        ),
    )


def _refuse_unsupported(spec: Spec) -> None:
    if spec.pyproject_groups:
        raise bad_input(
            "the pip-tools backend cannot select dependency groups (pip.groups)",
            "backend-unsupported",
            "use the uv backend, or move the group into a requirements file",
            file=str(spec.source),
            key="pip.groups",
        )
    if spec.exclude_newer:
        # pip-compile has no such option: the lock would silently hold today's versions
        raise bad_input(
            "the pip-tools backend cannot resolve as the index stood on a date "
            f"(pip.exclude-newer = {spec.exclude_newer!r})",
            "backend-unsupported",
            "use the uv backend (`reproenv lock --backend uv`), or remove pip.exclude-newer",
            file=str(spec.source),
            key="pip.exclude-newer",
        )


def _options(spec: Spec, upgrade: Upgrade) -> list[str]:
    options = ["--generate-hashes", "--no-header", "--no-annotate", "--quiet", "--no-config"]
    # pip-compile leaves setuptools and pip out unless told; uv pins them like any package,
    # and `pip install --require-hashes` refuses a needed package that the lock lacks
    options.append("--allow-unsafe")
    options += [f"--extra={extra}" for extra in spec.pyproject_extras]
    if spec.index_url:
        options.append(f"--index-url={expand_env(spec.index_url)}")
    options += [f"--extra-index-url={expand_env(url)}" for url in spec.extra_index_urls]
    if upgrade.everything:
        options.append("--upgrade")
    options += [f"--upgrade-package={name}" for name in upgrade.packages]
    return options


def _isolated(ca_cert: Path | None) -> dict[str, str]:
    env = isolated_env(ca_cert)  # the same isolation as the uv backend's
    env["PIP_CONFIG_FILE"] = os.devnull  # pip's config files, which uv never reads
    if ca_cert is not None:
        env["PIP_CERT"] = str(ca_cert)
    return env


def _run_here(
    spec: Spec, options: list[str], inputs: list[str], output: Path, ca_cert: Path | None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "piptools", "compile", *options, "-o", str(output), *inputs]
    return subprocess.run(
        command, cwd=spec.project_dir, env=_isolated(ca_cert), capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def _run_in_image(
    spec: Spec,
    image: LockedImage,
    version: str,
    options: list[str],
    inputs: list[str],
    scratch: Path,
    ca_cert: Path | None,
) -> subprocess.CompletedProcess[str]:
    from reproenv.engine import open_engine
    from reproenv.oci.reference import pull_reference

    engine = open_engine()
    engine.info()
    pinned = pull_reference(image.reference, image.digest, spec.registry_mirror)
    script = (
        "python3 -m venv /tmp/piptools >/dev/null"
        f" && /tmp/piptools/bin/pip install -q 'pip-tools=={version}'"
        " && cd /src && /tmp/piptools/bin/pip-compile "
        + " ".join(shlex.quote(a) for a in [*options, "-o", "/out/requirements.txt", *inputs])
    )
    args = ["run", "--rm", "--platform", image.platform, "--network", "host"]
    args += ["-v", f"{spec.project_dir}:/src:ro", "-v", f"{scratch}:/out"]
    args += ["-e", f"PIP_CONFIG_FILE={os.devnull}"]
    if ca_cert is not None:
        # a volume of a throwaway container, not a layer of any image
        args += ["-v", f"{ca_cert.resolve()}:/run/reproenv-ca.pem:ro"]
        args += ["-e", "PIP_CERT=/run/reproenv-ca.pem"]
    return engine.capture([*args, pinned, "sh", "-c", script])


def _failure(spec: Spec, output: str) -> Exception:
    detail = redact(output.strip())[-2000:]
    if (
        "Could not find a version" in detail
        or "ResolutionImpossible" in detail
        or ("conflict" in detail.lower())
    ):
        return bad_input(
            f"pip-compile cannot satisfy the requirements in {', '.join(spec.requirements)}:\n"
            f"{detail}",
            "unsatisfiable-requirements",
            "relax or fix the version constraints named above",
        )
    return environment(
        f"pip-compile failed:\n{detail}",
        "resolver-failed",
        "read pip-compile's message above; the uv backend (the default) may say more",
    )
