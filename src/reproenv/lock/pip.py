"""Resolve pip inputs to exact, hashed pins for the target, through uv (a private adapter)."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reproenv.errors import bad_input, environment, redact
from reproenv.lock.model import LockedPipPackage
from reproenv.settings import NetworkSettings
from reproenv.spec.model import Spec

# Conservative glibc floor for wheels: installable on every Debian/Ubuntu base reproenv
# targets (bookworm has 2.36), while all common scientific wheels ship for it.
_WHEEL_PLATFORMS = {
    "linux/amd64": "x86_64-manylinux_2_28",
    "linux/arm64": "aarch64-manylinux_2_28",
}
_REQUIREMENT_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")
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
) -> PipResolution:
    uv = uv_executable()
    target = wheel_platform(platform)
    version = _uv_version()
    inputs = list(spec.requirements)
    if not inputs and not spec.pyproject_dependencies:
        return PipResolution(version, target, ())
    with tempfile.TemporaryDirectory(prefix="reproenv-") as scratch:
        if spec.pyproject_dependencies:
            extra = Path(scratch) / "pyproject-dependencies.in"
            extra.write_text("\n".join(spec.pyproject_dependencies) + "\n", encoding="utf-8")
            inputs.append(str(extra))
        # uv prefers the versions already in its output file: that is how a relock keeps
        # the pins that still satisfy the inputs
        output = Path(scratch) / "pinned.txt"
        output.write_text(render_requirements_lock(preferences, spec.python), encoding="utf-8")
        command = [
            uv, "pip", "compile", "--no-config", "--generate-hashes", "--no-annotate",
            "--no-header", "--quiet", "--python-version", spec.python,
            "--python-platform", target, "--output-file", str(output), *inputs,
        ]  # fmt: skip
        if upgrade.everything:
            command.append("--upgrade")
        for name in upgrade.packages:
            command += ["--upgrade-package", name]
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
        return PipResolution(version, target, parse_pinned(output.read_text(encoding="utf-8")))


def parse_pinned(text: str) -> tuple[LockedPipPackage, ...]:
    """Read pip's hash-checking requirements format (as uv and pip-compile write it)."""
    packages: list[LockedPipPackage] = []
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        first, *rest = line.split()
        match = _REQUIREMENT_LINE.match(first.split(";")[0])
        if not match:
            continue
        hashes = tuple(sorted(h.removeprefix("--hash=") for h in rest if h.startswith("--hash=")))
        packages.append(
            LockedPipPackage(
                name=_canonical(match.group("name")),
                version=match.group("version"),
                hashes=hashes,
            )
        )
    return tuple(sorted(packages, key=lambda p: p.name))


def render_requirements_lock(packages: tuple[LockedPipPackage, ...], python: str) -> str:
    lines = [
        "# generated by reproenv — do not edit; regenerate with: reproenv lock",
        f"# pip's hash-checking format, for Python {python}:",
        "#   pip install --require-hashes --no-deps -r requirements.lock",
    ]
    for package in sorted(packages, key=lambda p: p.name):
        hashes = "".join(f" \\\n    --hash={h}" for h in package.hashes)
        lines.append(f"{package.name}=={package.version}{hashes}")
    return "\n".join(lines) + "\n"


def _uv_version() -> str:
    # the uv package's version is its binary's: cheaper than running `uv --version`
    from importlib.metadata import version

    return f"uv {version('uv')}"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _resolution_error(spec: Spec, stderr: str) -> Exception:
    # uv's own "error:" prefixes would read as a second error inside ours
    detail = re.sub(r"^error: ", "", redact(_strip_ansi(stderr).strip()), flags=re.MULTILINE)
    inputs = ", ".join(
        [*spec.requirements, *(["pyproject.toml"] if spec.pyproject_dependencies else [])]
    )
    packages = sorted(
        set(re.findall(r"\b([A-Za-z0-9][A-Za-z0-9._-]*)(?:[<>=!~]=?|\s+was not)", detail))
    )
    if any(marker in detail for marker in _NETWORK):
        return environment(
            f"cannot reach the package index while resolving {inputs}:\n{detail}",
            "index-unreachable",
            "check the network or the index URL; `reproenv doctor` checks connectivity",
            file=inputs,
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
