"""The uv backend (a private adapter): `uv pip compile` to PEP 751, read for one platform."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reproenv.errors import bad_input, redact
from reproenv.fsutil import read_user_text
from reproenv.lock.inputs import (
    LocalProject,
    check_uv_supported,
    local_projects,
    prehashed,
)
from reproenv.lock.locker import NO_UPGRADE, Upgrade
from reproenv.lock.model import LockedImage, LockedPipPackage
from reproenv.lock.pip.backend import BackendName, PipResolution
from reproenv.lock.pip.errors import resolution_error
from reproenv.lock.pip.pylock import parse_pylock
from reproenv.lock.pip.uv_command import (
    compile_command,
    index_selections,
    isolated_env,
    uv_executable,
    wheel_platform,
)
from reproenv.lock.pip.uv_early import take_early
from reproenv.spec.model import Spec
from reproenv.spec.requirements import canonical_name


@dataclass(frozen=True)
class UvBackend:
    name: BackendName = "uv"
    runs_in_base: bool = False
    parallel: bool = True  # each platform's run waits on the index, not the CPU
    variant_indexes: bool = True
    locks_local_projects: bool = True

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
        return resolve_pip(
            spec, platform, ca_cert, preferences=preferences, upgrade=upgrade,
            variant_indexes=variant_indexes, started=started,
        )  # fmt: skip


def resolve_pip(
    spec: Spec,
    platform: str,
    ca_cert: Path | None = None,
    *,
    preferences: tuple[LockedPipPackage, ...] = (),
    upgrade: Upgrade = NO_UPGRADE,
    variant_indexes: tuple[str, ...] = (),
    started: Callable[[], None] = lambda: None,
    keep_urls: bool = False,
    options: tuple[str, ...] = (),
) -> PipResolution:
    """Resolve for one platform. uv writes PEP 751 (pylock.toml), which names every file it
    chose: only the wheels that install on `platform` end up in the lock."""
    uv = uv_executable()
    target = wheel_platform(platform)
    version = _uv_version()
    projects = local_projects(spec) if not lockfile_input(spec) else ()
    if not spec.requirements and not spec.pyproject_dependencies and not projects:
        return PipResolution(version, target, ())
    lockfile = lockfile_input(spec)
    if lockfile is not None:
        text = _read_lockfile(spec, lockfile, uv)
        packages = parse_pylock(text, platform, spec, source=lockfile, urls=_urls(spec))
        return PipResolution(f"{version} ({lockfile.name} used as it is)", target, packages)
    check_uv_supported(spec)
    # a hashed file with a `-e .` line is resolved afresh: the build backend must be locked too
    given = prehashed(spec) if not projects else None
    if given is not None:
        return PipResolution(f"{version} (input used as it is)", target, tuple(
            LockedPipPackage(
                name=canonical_name(name), version=pin, platforms=(platform,), given_hashes=hashes
            )
            for name, pin, hashes in sorted(given)
        ))  # fmt: skip
    wanted = tuple(p for p in preferences if platform in p.platforms)
    packages = _compile(
        spec, platform, ca_cert, projects, wanted, upgrade, variant_indexes, started, keep_urls,
        options,
    )  # fmt: skip
    return PipResolution(version, target, packages)


def _selections(spec: Spec, variant_indexes: tuple[str, ...]) -> list[str]:
    """uv options for where and what to pick: indexes, the date, wheels only, the extras."""
    selections = index_selections(
        spec.index_url, spec.extra_index_urls, variant_indexes, spec.exclude_newer,
        spec.only_wheels,
    )  # fmt: skip
    if spec.pyproject_dependencies:
        for extra in spec.pyproject_extras:
            selections += ["--extra", extra]
        for group in spec.pyproject_groups:
            selections += ["--group", f"pyproject.toml:{group}"]
    return selections


def _compile(
    spec: Spec,
    platform: str,
    ca_cert: Path | None,
    projects: tuple[LocalProject, ...],
    preferences: tuple[LockedPipPackage, ...],
    upgrade: Upgrade,
    variant_indexes: tuple[str, ...],
    started: Callable[[], None],
    keep_urls: bool = False,
    options: tuple[str, ...] = (),
) -> tuple[LockedPipPackage, ...]:
    inputs = list(spec.requirements)
    if spec.pyproject_dependencies:
        # uv reads [project] itself: extras and PEP 735 groups (with include-group) included
        inputs.append("pyproject.toml")
    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        # uv prefers the versions already in its output file: that is how a relock keeps
        # the pins that still satisfy the inputs
        output = Path(scratch) / "pylock.toml"
        build_requires = sorted({r for p in projects for r in p.build_requires})
        if build_requires:
            # the local projects are built in the image without network: their build backends
            # are locked, hashed, like every other package
            backends = Path(scratch) / "build-requirements.in"
            backends.write_text("\n".join(build_requires) + "\n", encoding="utf-8")
            inputs.append(str(backends))
        if preferences:
            output.write_text(_preferences(preferences), encoding="utf-8")
        command = compile_command(
            spec.python, platform, output, [*_selections(spec, variant_indexes), *options],
            inputs, upgrade_all=upgrade.everything, upgrade_packages=upgrade.packages,
        )  # fmt: skip
        env = isolated_env(ca_cert)
        # the same command started early from the spec file alone, if one was (uv_early.py)
        early = take_early(command, output, spec.project_dir, env)
        run = early.finish(started) if early else _run_uv(command, spec.project_dir, env, started)
        returncode, stderr = run
        if returncode != 0:
            raise resolution_error(spec, stderr)
        text = (early.output if early else output).read_text(encoding="utf-8")
        urls = keep_urls or _urls(spec)
        return parse_pylock(text, platform, spec, local_ok=bool(projects), urls=urls)


def _urls(spec: Spec) -> bool:
    """A conda project's pins keep their files' URLs: its conda-lock.yml lists them (and a
    build tool's, `keep_urls`: the image fetches uv's wheel by it, without pip)."""
    return spec.conda is not None


def _run_uv(
    command: list[str], cwd: Path, env: dict[str, str], started: Callable[[], None]
) -> tuple[int, str]:
    """`subprocess.run`, with `started` called once uv is running."""
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as process:
        started()
        try:
            _, stderr = process.communicate()
        except BaseException:  # Ctrl-C included: no uv is left running, as with `run`
            process.kill()
            raise
        return process.returncode, stderr


def _preferences(packages: tuple[LockedPipPackage, ...]) -> str:
    lines = ['lock-version = "1.0"', 'created-by = "reproenv"', ""]
    for package in packages:
        lines += ["[[packages]]", f"name = {json.dumps(package.name)}"]
        lines += [f"version = {json.dumps(package.version)}", ""]
    return "\n".join(lines)


def lockfile_input(spec: Spec) -> Path | None:
    """A uv.lock or PEP 751 pylock.toml given as the only input is used as it is."""
    if len(spec.requirements) != 1 or spec.pyproject_dependencies:
        return None
    path = spec.project_dir / spec.requirements[0]
    if path.name == "uv.lock" or re.fullmatch(r"pylock(\.[^.]+)?\.toml", path.name):
        return path
    return None


def _read_lockfile(spec: Spec, path: Path, uv: str) -> str:
    if path.name != "uv.lock":
        return read_user_text(path)
    # uv.lock is uv's own universal format; uv exports it as PEP 751 without re-resolving
    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        output = Path(scratch) / "pylock.toml"
        result = subprocess.run(
            [uv, "export", "--no-config", "--frozen", "--quiet", "--no-emit-project",
             "--format", "pylock.toml", "--output-file", str(output)],
            cwd=path.parent, env=isolated_env(None), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise bad_input(
                f"uv could not read {path.name}: {redact(result.stderr.strip())}",
                "bad-lockfile-input",
                "run `uv lock` next to its pyproject.toml, or list requirements instead",
                file=str(path),
            )
        return output.read_text(encoding="utf-8")


def _uv_version() -> str:
    # the uv package's version is its binary's: cheaper than running `uv --version`
    from importlib.metadata import version

    return f"uv {version('uv')}"
