"""Resolve pip inputs to exact, hashed pins for the target, through uv (a private adapter)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reproenv.errors import bad_input, environment, redact
from reproenv.fsutil import read_user_text
from reproenv.lock.inputs import (
    check_uv_supported,
    expand_env,
    local_projects,
    prehashed,
    strip_credentials,
)
from reproenv.lock.model import LockedFile, LockedPipPackage
from reproenv.settings import NetworkSettings
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from packaging.tags import Tag

# Conservative glibc floor for wheels: installable on every Debian/Ubuntu base reproenv
# targets (bookworm has 2.36), while all common scientific wheels ship for it.
_WHEEL_PLATFORMS = {
    "linux/amd64": "x86_64-manylinux_2_28",
    "linux/arm64": "aarch64-manylinux_2_28",
}
_UNSATISFIABLE = ("No solution found", "unsatisfiable", "not found in the package registry")
_NETWORK = (
    "error sending request",
    "dns error",
    "Connection refused",
    "timed out",
    "tcp connect",
    "Request failed after",
    "HTTP status server error",
)


@dataclass(frozen=True)
class PipResolution:
    resolver: str
    wheel_platform: str
    packages: tuple[LockedPipPackage, ...]


def wheel_platform(platform: str) -> str:
    return _WHEEL_PLATFORMS[platform]


def uv_executable() -> str:
    from uv import find_uv_bin

    return str(find_uv_bin())


def isolated_env(ca_cert: Path | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without pip/uv settings, so the lock depends only on the spec."""
    source = os.environ if base is None else base
    network = NetworkSettings.from_env(source)
    env = {k: v for k, v in source.items() if not k.startswith(("PIP_", "UV_"))}
    env["UV_NO_CONFIG"] = "1"
    env["UV_NO_PROGRESS"] = "1"
    # our network settings, not the host's: uv retries with its own backoff
    env["UV_HTTP_TIMEOUT"] = str(max(1, round(network.timeout)))
    env["UV_HTTP_RETRIES"] = str(network.retries)
    # git (uv runs it for git+ requirements) must never wait on a prompt or a stalled host
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_HTTP_LOW_SPEED_LIMIT"] = "1"
    env["GIT_HTTP_LOW_SPEED_TIME"] = str(max(1, round(network.timeout)))
    if ca_cert is not None:
        env["SSL_CERT_FILE"] = str(ca_cert)
    return env


@dataclass(frozen=True)
class Upgrade:
    """What `--upgrade` / `--upgrade-package` allow to move; everything else keeps its pin."""

    everything: bool = False
    packages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.everything or bool(self.packages)


NO_UPGRADE = Upgrade()


def resolve_pip(
    spec: Spec,
    platform: str,
    ca_cert: Path | None = None,
    *,
    preferences: tuple[LockedPipPackage, ...] = (),
    upgrade: Upgrade = NO_UPGRADE,
    variant_indexes: tuple[str, ...] = (),
) -> PipResolution:
    """Resolve for one platform. uv writes PEP 751 (pylock.toml), which names every file it
    chose: only the wheels that install on `platform` end up in the lock."""
    uv = uv_executable()
    target = wheel_platform(platform)
    version = _uv_version()
    inputs = list(spec.requirements)
    projects = local_projects(spec) if not lockfile_input(spec) else ()
    if not inputs and not spec.pyproject_dependencies and not projects:
        return PipResolution(version, target, ())
    lockfile = lockfile_input(spec)
    if lockfile is not None:
        text = _read_lockfile(spec, lockfile, uv)
        packages = parse_pylock(text, platform, spec, source=lockfile)
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
    selections: list[str] = []
    if spec.index_url:
        selections += ["--index-url", expand_env(spec.index_url)]
    for url in spec.extra_index_urls:
        selections += ["--extra-index-url", expand_env(url)]
    for url in variant_indexes:
        # a framework build index (PyTorch's cuXYZ): its local versions (2.4.1+cu118) must be
        # able to win over the plain release on the default index
        selections += ["--extra-index-url", url, "--index-strategy", "unsafe-best-match"]
    if spec.exclude_newer:
        selections += ["--exclude-newer", exclude_newer_timestamp(spec.exclude_newer)]
    if spec.only_wheels:
        selections += ["--only-binary", ":all:"]
    if spec.pyproject_dependencies:
        # uv reads [project] itself: extras and PEP 735 groups (with include-group) included
        inputs.append("pyproject.toml")
        for extra in spec.pyproject_extras:
            selections += ["--extra", extra]
        for group in spec.pyproject_groups:
            selections += ["--group", f"pyproject.toml:{group}"]
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
        wanted = [p for p in preferences if platform in p.platforms]
        if wanted:
            output.write_text(_preferences(wanted), encoding="utf-8")
        command = [
            uv, "pip", "compile", "--no-config", "--no-python-downloads", "--no-header", "--quiet",
            "--python-version", spec.python, "--python-platform", target,
            "--output-file", str(output), *selections, *inputs,
        ]  # fmt: skip
        if upgrade.everything:
            command.append("--upgrade")
        for name in upgrade.packages:
            command += ["--upgrade-package", name]
        if shutil.which("keyring"):
            # index URLs that carry a user name get its password from the keyring
            command += ["--keyring-provider", "subprocess"]
        result = subprocess.run(
            command,
            cwd=spec.project_dir,
            env=isolated_env(ca_cert),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise _resolution_error(spec, result.stderr)
        text = output.read_text(encoding="utf-8")
        packages = parse_pylock(text, platform, spec, local_ok=bool(projects))
        return PipResolution(version, target, packages)


def exclude_newer_timestamp(value: str) -> str:
    """An RFC 3339 UTC timestamp: uv reads a bare date in the host's time zone, which would
    make the lock depend on the machine; a date here means its start in UTC."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def source_only(packages: tuple[LockedPipPackage, ...]) -> tuple[LockedPipPackage, ...]:
    """Pins with no wheel for their platforms: pip builds them from the sdist in the image."""
    return tuple(p for p in packages if p.sdist is not None and not p.wheels)


def refuse_source_only(spec: Spec, packages: tuple[LockedPipPackage, ...]) -> None:
    """pip.only-wheels: a pin that would be built from source is an error, with its input line
    (uv already avoids them; this covers the other backend and inputs used as they are)."""
    built = source_only(packages)
    if not built:
        return
    from reproenv.lock.inputs import locate_requirements

    first = built[0]
    asked = locate_requirements(spec, {p.name for p in built})
    where = "\nasked for by:\n" + "\n".join(f"  {line}" for line in asked) if asked else ""
    names = ", ".join(f"{p.name} {p.version}" for p in built)
    raise bad_input(
        f"{names} has no wheel for Python {spec.python} on {', '.join(first.platforms)}, and "
        f"pip.only-wheels = true refuses to build it from source in the image{where}",
        "source-only-pin",
        "pin a version that ships wheels for the target, or set pip.only-wheels = false",
        file=str(spec.source),
        key="pip.only-wheels",
        package=", ".join(p.name for p in built),
    )


def _preferences(packages: list[LockedPipPackage]) -> str:
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


def parse_pylock(
    text: str,
    platform: str,
    spec: Spec,
    source: Path | None = None,
    *,
    local_ok: bool = False,
) -> tuple[LockedPipPackage, ...]:
    """Read a PEP 751 lock (uv's output, or the user's `source`); a source reproenv cannot pin
    by hash is refused, not dropped. Entries whose marker excludes the target, and wheels that
    do not install on it, are left out: a universal lock becomes this platform's."""
    from packaging.markers import InvalidMarker, Marker  # not at import time: `lock --check`

    packages: list[LockedPipPackage] = []
    marker_env, tags = _target(spec.python, platform)
    for number, entry in enumerate(_pylock_packages(text, source)):
        name = canonical_name(entry["name"])
        try:
            excluded = "marker" in entry and not Marker(entry["marker"]).evaluate(marker_env)
        except InvalidMarker as exc:
            raise _bad_pylock(source, f"packages[{number}].marker: {exc}") from None
        if excluded:
            continue
        if "directory" in entry and local_ok:
            continue  # a local project: the lock lists it apart and the image builds it
        if "vcs" in entry and entry["vcs"].get("type") == "git" and entry["vcs"].get("commit-id"):
            packages.append(_vcs_package(name, entry, platform))
            continue
        for unsupported in ("vcs", "directory", "archive"):
            if unsupported in entry:
                raise bad_input(
                    f"{name} is a {unsupported} requirement; this version of reproenv locks "
                    "packages from an index only",
                    "unsupported-requirement",
                    "publish it to an index, or install it from a wheel in the project",
                    package=name,
                    file=", ".join(spec.requirements),
                )
        wheels = tuple(_file(w) for w in entry.get("wheels", []) if _installs(_file(w).name, tags))
        sdist = _file(entry["sdist"]) if "sdist" in entry and not wheels else None
        packages.append(
            LockedPipPackage(
                name=name,
                version=entry["version"],
                platforms=(platform,),
                wheels=wheels,
                sdist=sdist,
            )
        )
    return tuple(sorted(packages, key=lambda p: p.name))


def _vcs_package(name: str, entry: dict[str, Any], platform: str) -> LockedPipPackage:
    vcs = entry["vcs"]
    url = strip_credentials(str(vcs.get("url", "")))
    return LockedPipPackage(
        name=name,
        version=str(entry.get("version", "")),
        platforms=(platform,),
        vcs=f"git+{url}@{vcs['commit-id']}",
    )


_Fields = tuple[tuple[str, type, str], ...]  # key, type, the type in words
_PYLOCK_FIELDS: _Fields = (
    ("name", str, "a string"), ("version", str, "a string"), ("marker", str, "a string"),
    ("wheels", list, "an array of tables"), ("sdist", dict, "a table"),
    ("vcs", dict, "a table"),
)  # fmt: skip
_PYLOCK_FILE_FIELDS: _Fields = (
    ("name", str, "a string"), ("url", str, "a string"), ("path", str, "a string"),
    ("hashes", dict, "a table"),
)  # fmt: skip


def _pylock_packages(text: str, source: Path | None) -> list[dict[str, Any]]:
    """The [[packages]] of a PEP 751 lock, checked for the keys and types parse_pylock reads,
    so a damaged file is named instead of failing somewhere inside the parse."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad_pylock(source, f"not valid TOML ({exc})") from None
    packages = data.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise _bad_pylock(source, "packages must be an array of tables ([[packages]])")
    for number, entry in enumerate(packages):
        where = f"packages[{number}]"
        needed = ["name"] if {"vcs", "directory", "archive"} & entry.keys() else ["name", "version"]
        for key in needed:
            if key not in entry:
                raise _bad_pylock(source, f"{where} has no {key}")
        _check_types(source, where, entry, _PYLOCK_FIELDS)
        files = [(f"{where}.wheels[{i}]", w) for i, w in enumerate(entry.get("wheels", []))]
        files += [(f"{where}.sdist", entry["sdist"])] if "sdist" in entry else []
        for label, file in files:
            if not isinstance(file, dict):
                raise _bad_pylock(source, f"{label} must be a table")
            _check_types(source, label, file, _PYLOCK_FILE_FIELDS)
    return packages


def _check_types(source: Path | None, where: str, table: dict[str, Any], fields: _Fields) -> None:
    for key, kind, described in fields:
        if key in table and not isinstance(table[key], kind):
            raise _bad_pylock(
                source, f"{where}.{key} must be {described}, not {type(table[key]).__name__}"
            )


def _bad_pylock(source: Path | None, detail: str) -> Exception:
    if source is None:  # uv's own output: not the user's mistake
        return environment(
            f"uv wrote a lock reproenv cannot read: {detail}",
            "resolver-failed",
            "report this with the uv version; `reproenv doctor` prints it",
        )
    return bad_input(
        f"{source.name} is damaged: {detail}",
        "bad-lockfile-input",
        f"regenerate {source.name} with the tool that wrote it (`uv lock`, `uv pip compile -o "
        "pylock.toml`), or list requirements instead",
        file=str(source),
    )


def _target(python: str, platform: str) -> tuple[dict[str, str], frozenset[Tag]]:
    """PEP 508 environment and the wheel tags a manylinux_2_28 target of `platform` takes."""
    from packaging.tags import compatible_tags, cpython_tags

    machine = _MACHINES[platform]
    major, minor = (int(part) for part in python.split("."))
    environment = {
        "python_version": python, "python_full_version": f"{python}.0", "os_name": "posix",
        "sys_platform": "linux", "platform_system": "Linux", "platform_machine": machine,
        "implementation_name": "cpython", "platform_python_implementation": "CPython",
        "platform_release": "", "platform_version": "", "implementation_version": f"{python}.0",
    }  # fmt: skip
    platforms = [f"manylinux_2_{glibc}_{machine}" for glibc in range(28, 4, -1)]
    platforms += [f"manylinux{alias}_{machine}" for alias in ("2014", "2010", "1")]
    tags = [
        *cpython_tags((major, minor), platforms=platforms),
        *compatible_tags((major, minor), platforms=platforms),
    ]
    return environment, frozenset(tags)


def _installs(filename: str, tags: frozenset[Tag]) -> bool:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    if not filename.endswith(".whl"):
        return False
    try:
        return not parse_wheel_filename(filename)[3].isdisjoint(tags)
    except InvalidWheelFilename:
        return False


def _file(entry: dict[str, object]) -> LockedFile:
    url = str(entry.get("url") or entry.get("path") or "")
    name = str(entry.get("name") or url.rsplit("/", 1)[-1].split("#", 1)[0])
    hashes = entry.get("hashes")
    sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
    if not sha256:
        raise bad_input(f"no sha256 for {name} from the index", "missing-hash", file=name)
    return LockedFile(name=name, sha256=str(sha256))


def merge_platforms(
    per_platform: list[tuple[LockedPipPackage, ...]],
) -> tuple[LockedPipPackage, ...]:
    """One entry per distinct (name, version, files); platforms that share it are listed."""
    merged: dict[tuple[object, ...], LockedPipPackage] = {}
    for packages in per_platform:
        for package in packages:
            key = (package.name, package.version, package.wheels, package.sdist)
            if key in merged:
                known = merged[key]
                platforms = tuple(sorted({*known.platforms, *package.platforms}))
                merged[key] = known.model_copy(update={"platforms": platforms})
            else:
                merged[key] = package
    return tuple(sorted(merged.values(), key=lambda p: (p.name, p.platforms, p.version)))


_MACHINES = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}


def render_requirements_lock(
    packages: tuple[LockedPipPackage, ...],
    python: str,
    platforms: tuple[str, ...],
    index_url: str | None = None,
    extra_index_urls: tuple[str, ...] = (),
) -> str:
    """pip's hash-checking format; packages that differ by platform carry a marker."""
    lines = [
        "# generated by reproenv — do not edit; regenerate with: reproenv lock",
        f"# pip's hash-checking format, for Python {python} on {', '.join(platforms)}:",
        "#   pip install --require-hashes --no-deps -r requirements.lock",
    ]
    # indexes without credentials: a build gets those as a secret (netrc)
    if index_url:
        lines.append(f"--index-url {index_url}")
    lines += [f"--extra-index-url {url}" for url in extra_index_urls]
    grouped: dict[tuple[str, str], list[LockedPipPackage]] = {}
    for package in packages:
        grouped.setdefault((package.name, package.version), []).append(package)
    for (name, version), group in sorted(grouped.items()):
        covered = sorted({p for package in group for p in package.platforms})
        marker = ""
        if set(covered) != set(platforms):
            machines = " or ".join(f'platform_machine == "{_MACHINES[p]}"' for p in covered)
            marker = f" ; {machines}"
        hashes = sorted({h for package in group for h in package.hashes})
        vcs = next((package.vcs for package in group if package.vcs), None)
        if vcs:  # pip cannot check a hash of a repository: the commit pins it
            lines.append(f"{name} @ {vcs}{marker}")
            continue
        lines.append(f"{name}=={version}{marker}" + "".join(f" \\\n    --hash={h}" for h in hashes))
    return "\n".join(lines) + "\n"


def _uv_version() -> str:
    # the uv package's version is its binary's: cheaper than running `uv --version`
    from importlib.metadata import version

    return f"uv {version('uv')}"


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _resolution_error(spec: Spec, stderr: str) -> Exception:
    # uv's own "error:" prefixes would read as a second error inside ours
    detail = re.sub(r"^error: ", "", redact(_strip_ansi(stderr).strip()), flags=re.MULTILINE)
    inputs = ", ".join(
        [*spec.requirements, *(["pyproject.toml"] if spec.pyproject_dependencies else [])]
    )
    # a name is tried only where a run of name characters starts (`\b` would try after each
    # "-" or "." of a long run, rescanning the rest of it each time), then trimmed
    runs = re.findall(r"(?<![A-Za-z0-9._-])([A-Za-z0-9._-]+)(?:[<>=!~]=?|\s+was not)", detail)
    packages = sorted({name for run in runs if (name := run.lstrip("._-"))})
    if "Git operation failed" in detail or "failed to clone" in detail:
        from reproenv.lock.inputs import locate_git_requirements

        every = locate_git_requirements(spec)
        # the ones uv names as failing, when it names them
        asked = [line for line in every if line.split(": ", 1)[1] in detail] or every
        return environment(
            f"cannot fetch a git requirement while resolving {inputs}:\n"
            + "".join(f"  {line}\n" for line in asked)
            + detail,
            "vcs-unreachable",
            "make the git host reachable (and its credentials available to git), or require a "
            "release from an index instead",
            file=inputs,
        )
    if any(marker in detail for marker in _NETWORK):
        return environment(
            f"cannot reach the package index while resolving {inputs}:\n{detail}",
            "index-unreachable",
            "check the network or the index URL; `reproenv doctor` checks connectivity",
            file=inputs,
        )
    # uv --only-binary: "Because src==1.0 has no usable wheels …  Wheels are required for `src`"
    no_wheels = sorted(set(re.findall(r"Wheels are required for `([^`]+)`", detail)))
    if spec.only_wheels and no_wheels:
        from reproenv.lock.inputs import locate_requirements

        asked = locate_requirements(spec, set(no_wheels))
        where = "\nasked for by:\n" + "\n".join(f"  {line}" for line in asked) if asked else ""
        return bad_input(
            f"{', '.join(no_wheels)}: no version allowed has a wheel for Python {spec.python} on "
            f"the target, and pip.only-wheels = true refuses to build one from source in the "
            f"image:\n{detail}{where}",
            "source-only-pin",
            "allow a version that ships wheels for the target, or set pip.only-wheels = false",
            file=str(spec.source),
            key="pip.only-wheels",
            package=", ".join(no_wheels),
        )
    if any(marker in detail for marker in _UNSATISFIABLE):
        from reproenv.lock.inputs import locate_requirements

        asked = locate_requirements(spec, set(packages))
        where = "\nasked for by:\n" + "\n".join(f"  {line}" for line in asked) if asked else ""
        return bad_input(
            f"the requirements in {inputs} cannot be satisfied for Python {spec.python}:\n"
            f"{detail}{where}",
            "unsatisfiable-requirements",
            "relax or fix the version constraints named above",
            file=inputs,
            package=", ".join(packages),
        )
    return bad_input(
        f"uv could not resolve {inputs}:\n{detail}",
        "resolver-failed",
        "fix the requirement named above",
        file=inputs,
    )


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
