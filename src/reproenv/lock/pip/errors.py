"""uv's failures, classified: unreachable index or git host, no wheel, unsatisfiable."""

from __future__ import annotations

import re

from reproenv.errors import bad_input, environment, redact
from reproenv.spec.model import Spec

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


def resolution_error(spec: Spec, stderr: str) -> Exception:
    """uv's stderr as the error the user can act on; the first class that matches wins."""
    # uv's own "error:" prefixes would read as a second error inside ours
    detail = re.sub(r"^error: ", "", redact(_strip_ansi(stderr).strip()), flags=re.MULTILINE)
    inputs = ", ".join(
        [*spec.requirements, *(["pyproject.toml"] if spec.pyproject_dependencies else [])]
    )
    if "Git operation failed" in detail or "failed to clone" in detail:
        return _git_unreachable(spec, detail, inputs)
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
        return _no_wheels(spec, detail, no_wheels)
    if any(marker in detail for marker in _UNSATISFIABLE):
        return _unsatisfiable(spec, detail, inputs)
    return bad_input(
        f"uv could not resolve {inputs}:\n{detail}",
        "resolver-failed",
        "fix the requirement named above",
        file=inputs,
    )


def _git_unreachable(spec: Spec, detail: str, inputs: str) -> Exception:
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


def _no_wheels(spec: Spec, detail: str, no_wheels: list[str]) -> Exception:
    where = _asked_for_by(spec, set(no_wheels))
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


def _unsatisfiable(spec: Spec, detail: str, inputs: str) -> Exception:
    # a name is tried only where a run of name characters starts (`\b` would try after each
    # "-" or "." of a long run, rescanning the rest of it each time), then trimmed
    runs = re.findall(r"(?<![A-Za-z0-9._-])([A-Za-z0-9._-]+)(?:[<>=!~]=?|\s+was not)", detail)
    packages = sorted({name for run in runs if (name := run.lstrip("._-"))})
    where = _asked_for_by(spec, set(packages))
    return bad_input(
        f"the requirements in {inputs} cannot be satisfied for Python {spec.python}:\n"
        f"{detail}{where}",
        "unsatisfiable-requirements",
        "relax or fix the version constraints named above",
        file=inputs,
        package=", ".join(packages),
    )


def _asked_for_by(spec: Spec, names: set[str]) -> str:
    from reproenv.lock.inputs import locate_requirements

    asked = locate_requirements(spec, names)
    return "\nasked for by:\n" + "\n".join(f"  {line}" for line in asked) if asked else ""


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
