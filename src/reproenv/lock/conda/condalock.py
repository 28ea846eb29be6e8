"""conda-lock as the conda solver (`reproenv lock --backend conda-lock`): the tool run on the
spec's environment files with the conda, mamba or micromamba found on PATH, for the targets'
virtual packages; its conda-lock.yml is then taken like a `[conda] lockfile`.

conda-lock is not a dependency of reproenv: a `conda-lock` on PATH is used, else the pinned
version through uv (`uv tool run`). It solves afresh on every relock: the previous records are
not offered to it (its `--update` needs its own lock file of the same channels).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from reproenv.compat.conda_subdirs import SUBDIRS
from reproenv.errors import ExitCode, ReproenvError, bad_input, environment
from reproenv.lock.backends import CONDA_LOCK_SOLVER
from reproenv.lock.conda.solve import Target, channel_url, upstream, without_token
from reproenv.lock.conda.target import target
from reproenv.lock.locker import Locked, LockRequest
from reproenv.lock.model import LockedCondaPackage
from reproenv.settings import CONDA_MIRROR_ENV
from reproenv.spec.model import Spec

CONDA_LOCK_PIN = "4.0.3"  # the version run through uv when no conda-lock is on PATH
CONDA_EXECUTABLES = ("conda", "mamba", "micromamba")
LOCKFILE = "conda-lock.yml"  # the name `_taken_as_it_is` reads as conda-lock's format
VIRTUAL_PACKAGES = "virtual-packages.yml"
_TAIL_LINES = 15
# conda's, mamba's and micromamba's ways of saying the specs cannot be met: the user's to fix
_UNSATISFIABLE = re.compile(
    r"unsatisfiable|packagesnotfound|resolvepackagenotfound|could not solve|nothing provides|"
    r"cannot be installed|not available from current channels|is not installable",
    re.IGNORECASE,
)

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class CondaLockTool:
    command: tuple[str, ...]  # what runs conda-lock
    version: str | None  # known for the pinned one; a conda-lock on PATH is asked


def refuse_unsolvable(spec: Spec) -> None:
    """`--backend conda-lock` on a project without environment files to solve: exit 2."""
    conda = spec.conda
    if conda is not None and conda.files and conda.lockfile is None:
        return
    key, what = (
        ("conda.lockfile", f"conda.lockfile = {conda.lockfile!r} is taken as it is")
        if conda is not None and conda.lockfile is not None
        else ("conda.environment", "no conda.environment")
    )
    raise bad_input(
        f"{spec.source.name}: {what}: --backend conda-lock solves conda environment files, "
        "and the spec names none",
        "conda-lock-no-environment",
        "drop `--backend conda-lock`, or name the environment files in "
        '`[conda] environment = ["environment.yml"]`',
        file=str(spec.source),
        key=key,
    )


def find_conda(which: Which = shutil.which) -> str:
    """The conda executable conda-lock drives; none on PATH is this machine's lack: exit 3."""
    for name in CONDA_EXECUTABLES:
        found = which(name)
        if found:
            return found
    raise environment(
        "--backend conda-lock needs a conda, mamba or micromamba executable on PATH, and none "
        "was found",
        "conda-lock-no-conda",
        "install one of conda, mamba or micromamba, or drop `--backend conda-lock` (a lock it "
        "made: `reproenv lock --backend uv`): py-rattler solves in-process and needs none",
    )


def find_conda_lock(which: Which = shutil.which) -> CondaLockTool:
    found = which("conda-lock")
    if found:
        return CondaLockTool((found,), None)
    from reproenv.lock.pip.uv_command import uv_executable

    pinned = f"conda-lock=={CONDA_LOCK_PIN}"
    command = (uv_executable(), "tool", "run", "--from", pinned, "conda-lock")
    return CondaLockTool(command, CONDA_LOCK_PIN)


def conda_lock_argv(
    tool: Sequence[str],
    conda: str,
    files: Sequence[Path],
    subdirs: Sequence[str],
    lockfile: Path,
    virtual_packages: Path,
    channels: Sequence[str] = (),
) -> list[str]:
    """The conda-lock command line: the environment files for the subdirs, into `lockfile`;
    `channels` (the spec's, through the mirror) replace the files' own."""
    argv = [*tool, "lock", "--conda", conda, "--kind", "lock", "--lockfile", str(lockfile)]
    argv += [arg for file in files for arg in ("-f", str(file))]
    argv += [arg for subdir in subdirs for arg in ("-p", subdir)]
    argv += [arg for channel in channels for arg in ("-c", channel)]
    return [*argv, "--virtual-package-spec", str(virtual_packages), "--strip-auth"]


def virtual_packages_yaml(targets: Sequence[Target]) -> str:
    """conda-lock's virtual package spec: the image's, as py-rattler is given them, not the
    host's (conda-lock's default would assume its own glibc and CUDA)."""
    subdirs: dict[str, dict[str, dict[str, str]]] = {}
    for one in targets:
        packages = {}
        for package in one.virtual_packages():
            build = str(package.build_string)
            version = str(package.version)
            packages[package.name.normalized] = version if build == "0" else f"{version} {build}"
        subdirs[one.subdir] = {"packages": packages}
    return yaml.safe_dump({"subdirs": subdirs}, sort_keys=False)


def channel_args(channels: Sequence[str], mirror: str | None) -> tuple[str, ...]:
    """The spec's channels for `-c`: named ones read through REPROENV_CONDA_MIRROR when set;
    a `${VAR}` is left for conda-lock to fill in."""
    return tuple(channel_url(c, mirror) if mirror and "://" not in c else c for c in channels)


def run_conda_lock(request: LockRequest, scratch: Path, which: Which = shutil.which) -> str:
    """conda-lock run into `scratch`; returns the solver as the lock names it. Its lock file
    is `scratch / LOCKFILE`, without its pip entries (the pip locker resolves the pip part)."""
    spec, conda = request.spec, request.spec.conda
    files, channels = (conda.files, conda.channels) if conda is not None else ((), ())
    conda_executable = find_conda(which)
    tool = find_conda_lock(which)
    images = request.images
    targets = [
        target(spec, p, images[p].reference if p in images else None) for p in request.platforms
    ]
    virtual = scratch / VIRTUAL_PACKAGES
    virtual.write_text(virtual_packages_yaml(targets), encoding="utf-8")
    argv = conda_lock_argv(
        tool.command,
        conda_executable,
        [spec.project_dir / file for file in files],
        [SUBDIRS[p] for p in request.platforms],
        scratch / LOCKFILE,
        virtual,
        channel_args(channels, _mirror()),
    )
    _run(argv, scratch, _env(request))
    _without_pip_entries(scratch / LOCKFILE)
    version = tool.version or _version(tool.command, scratch) or "(version unknown)"
    return f"{CONDA_LOCK_SOLVER}{version}"


def as_solved(locked: Locked, solver: str, spec: Spec) -> Locked:
    """The section the lock file gave, as a solve's: the solver named, the spec's channels,
    upstream URLs (not the mirror's, no token), and the spec's Python checked."""
    conda, mirror = spec.conda, _mirror()
    section = dict(locked.section)
    records = tuple(
        record.model_copy(
            update={
                "url": upstream(record.url, mirror),
                "channel": upstream(record.channel, mirror).rstrip("/"),
            }
        )
        for record in section.get("conda_packages", ())
    )
    check_python(spec, records)
    section["conda_solver"] = solver
    section["conda_packages"] = records
    if conda is not None:
        section["conda_channels"] = tuple(without_token(c) for c in conda.channels)
    return Locked(section, locked.warnings)


def check_python(spec: Spec, records: Sequence[LockedCondaPackage]) -> None:
    """The environment's Python is the spec's: the pip part and the image are made for it."""
    found = {r.version for r in records if r.name == "python"}
    if found and all(v == spec.python or v.startswith(f"{spec.python}.") for v in found):
        return
    files = spec.conda.files if spec.conda is not None else ()
    got = f"Python {', '.join(sorted(found))}" if found else "no python"
    raise bad_input(
        f"{', '.join(files)}: conda-lock locked {got}; the spec asks for Python {spec.python}",
        "conda-lock-python",
        f"add `python={spec.python}` to the dependencies of the environment file, or set "
        f"python in {spec.source.name} to the one it pins",
        **({"file": files[0], "key": "dependencies"} if files else {}),
    )


def failure(returncode: int, stderr: str) -> ReproenvError:
    """conda-lock's failure with the tail of its output, tokens and passwords removed: specs
    that cannot be met are the user's to fix (exit 2), anything else the machine's (exit 3)."""
    lines = [line for line in without_token(stderr).splitlines() if line.strip()]
    tail = "\n".join(lines[-_TAIL_LINES:]) or "(no output)"
    if _UNSATISFIABLE.search(stderr):
        return bad_input(
            f"conda-lock could not solve the environment files (exit {returncode}):\n{tail}",
            "conda-lock-unsatisfiable",
            "relax or remove the specs it names, or add a channel that has them",
        )
    return ReproenvError(
        f"conda-lock failed (exit {returncode}):\n{tail}",
        "conda-lock-failed",
        "check the channels and the network; without `--backend conda-lock` (a lock it made: "
        "`--backend uv`) py-rattler solves in-process",
        exit_code=ExitCode.ENVIRONMENT,
    )


def _run(argv: list[str], cwd: Path, env: Mapping[str, str]) -> None:
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except OSError as error:
        raise environment(
            f"conda-lock could not be started: {error}",
            "conda-lock-failed",
            "put conda-lock on PATH, or let reproenv run it through uv",
        ) from None
    if done.returncode != 0:
        raise failure(done.returncode, f"{done.stdout}\n{done.stderr}")


def _version(command: Sequence[str], cwd: Path) -> str | None:
    """`conda-lock --version` says `conda-lock, version 4.0.3`."""
    try:
        done = subprocess.run(
            [*command, "--version"], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    found = re.search(r"(\d+(?:\.\d+)+\S*)\s*$", done.stdout.strip())
    return found[1] if found and done.returncode == 0 else None


def _without_pip_entries(lockfile: Path) -> None:
    """conda-lock's own pip pins left out: the environment's pip part is resolved by the pip
    locker for the locked Python, as with py-rattler, and hashed like every pip package."""
    if not lockfile.is_file():
        return  # the reader names the missing file
    data = yaml.safe_load(lockfile.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("package"), list):
        data["package"] = [
            p for p in data["package"] if not (isinstance(p, dict) and p.get("manager") == "pip")
        ]
        lockfile.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _env(request: LockRequest) -> dict[str, str]:
    env = dict(os.environ)
    if request.ca_cert is not None:  # conda reads its CA bundle from these
        for name in ("CONDA_SSL_VERIFY", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            env[name] = str(request.ca_cert)
    return env


def _mirror() -> str | None:
    return os.environ.get(CONDA_MIRROR_ENV) or None
