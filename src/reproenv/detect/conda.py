"""The CUDA a conda environment file asks for: `pytorch-cuda`, `cuda-version`, `cudatoolkit`.

It reads `environment.yml` for the GPU decision and for `init`, which copies its lists into
the spec. Pure: no conda, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reproenv.errors import bad_input

ENVIRONMENT_FILES = ("environment.yml", "environment.yaml")

# name[ op version[ build]] or name=version=build, with an optional channel:: prefix
_SPEC = re.compile(
    r"^(?:(?P<channel>\S*)::)?(?P<name>[A-Za-z0-9_.-]+)\s*"
    r"(?:(?P<op>==|>=|<=|!=|~=|=|>|<)?\s*(?P<version>[^\s=,|]+))?(?:[=\s]+(?P<build>\S+))?"
)
_LABEL_CUDA = re.compile(r"label/cuda-(\d+)\.(\d+)")  # nvidia/label/cuda-12.4.0::cuda-toolkit
# packages whose version is a CUDA version, and what they are
_CUDA_PINS = {
    "pytorch-cuda": "PyTorch's conda channel builds for",
    "cuda-version": "conda-forge's CUDA packages follow",
    "cudatoolkit": "the CUDA toolkit package of",
    "cuda-toolkit": "NVIDIA's CUDA toolkit package of",
    "cuda-runtime": "NVIDIA's CUDA runtime package of",
    "cuda-cudart": "NVIDIA's CUDA runtime package of",
}
_CUDA_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?")
_CUDA_BUILD = re.compile(r"cuda(\d+)?(?:\.(\d+))?|cu(\d{2,3})\b")


@dataclass(frozen=True)
class CondaCuda:
    """What an environment file says about CUDA; `cuda` None when it names none."""

    file: str
    cuda: tuple[int, int] | None
    evidence: tuple[str, ...]


def conda_cuda(project_dir: Path) -> CondaCuda | None:
    """The CUDA the project's environment.yml asks for; None without such a file."""
    path = next((project_dir / n for n in ENVIRONMENT_FILES if (project_dir / n).is_file()), None)
    if path is None:
        return None
    return cuda_from_specs(path.name, read_dependencies(path))


@dataclass(frozen=True)
class CondaEnvironment:
    """An environment file's conda match specs and its `pip:` list, as written."""

    file: str
    conda: tuple[str, ...]
    pip: tuple[str, ...]


def environment_file(project_dir: Path) -> Path | None:
    return next((project_dir / n for n in ENVIRONMENT_FILES if (project_dir / n).is_file()), None)


def read_environment(path: Path) -> CondaEnvironment:
    """Both lists of an environment file: `init` copies the pip: one into the spec's inputs."""
    dependencies = _load_dependencies(path)
    pip: list[str] = []
    for item in dependencies:
        if isinstance(item, dict) and isinstance(item.get("pip"), list):
            pip += [str(line).strip() for line in item["pip"] if str(line).strip()]
    return CondaEnvironment(path.name, _specs(dependencies), tuple(pip))


def read_dependencies(path: Path) -> tuple[str, ...]:
    """The conda match specs of an environment file (its `pip:` list left out)."""
    return _specs(_load_dependencies(path))


def _specs(dependencies: list[object]) -> tuple[str, ...]:
    return tuple(str(item).strip() for item in dependencies if isinstance(item, str | int | float))


def _load_dependencies(path: Path) -> list[object]:
    import yaml  # only for projects that have an environment file

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{path.name}:{mark.line + 1}" if mark else path.name
        raise bad_input(
            f"{where}: not valid YAML ({error.problem})",
            "conda-environment-invalid",
            "fix the file; `conda env create --dry-run -f` shows the same problem",
            file=str(path),
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise bad_input(
            f"{path.name} cannot be read: {error}",
            "conda-environment-invalid",
            "fix the file",
            file=str(path),
        ) from None
    dependencies = data.get("dependencies") if isinstance(data, dict) else None
    if dependencies is None:
        return []
    if not isinstance(dependencies, list):
        raise bad_input(
            f"{path.name}: `dependencies` must be a list of package specs",
            "conda-environment-invalid",
            "write it as `dependencies:` followed by `- name=version` lines",
            file=str(path),
            key="dependencies",
        )
    return dependencies


def cuda_from_specs(file: str, specs: Iterable[str]) -> CondaCuda:
    cuda: tuple[int, int] | None = None
    evidence: list[str] = []
    for spec in specs:
        match = _SPEC.match(spec)
        if match is None:
            continue
        name, build = match["name"].lower(), match["build"] or ""
        pinned = _pinned_cuda(match) if name in _CUDA_PINS else None
        if pinned is not None:
            found, text = pinned
            cuda = cuda or found
            evidence.append(f"{spec}: {_CUDA_PINS[name]} CUDA {text}")
        elif name in ("pytorch", "tensorflow", "jaxlib", "cupy") and (
            built := _CUDA_BUILD.search(build)
        ):
            evidence.append(f"{spec}: a CUDA build of {name}")
            cuda = cuda or _build_cuda(built)
    return CondaCuda(file=file, cuda=cuda, evidence=tuple(evidence))


def _build_cuda(built: re.Match[str]) -> tuple[int, int] | None:
    """`cuda12.1` -> (12, 1); `cuda120` / `cu118` (the tag spelling) -> (12, 0) / (11, 8)."""
    if built[1] and built[2]:
        return int(built[1]), int(built[2])
    digits = built[1] or built[3]
    if not digits:
        return None
    return (int(digits[:-1]), int(digits[-1])) if len(digits) >= 3 else (int(digits), 0)


def _pinned_cuda(match: re.Match[str]) -> tuple[tuple[int, int], str] | None:
    """The CUDA a pin names, from `nvidia/label/cuda-12.4.0::` or the version (`12.4`; `12` for
    a major-only pin, meaning any 12.x); an exclusion or upper bound names none."""
    if label := _LABEL_CUDA.search(match["channel"] or ""):
        return (int(label[1]), int(label[2])), f"{label[1]}.{label[2]}"
    if match["op"] in ("!=", "<", "<="):
        return None
    version = _CUDA_VERSION.match(match["version"] or "")
    if version is None:
        return None
    major, minor = version[1], version[2]
    return (int(major), int(minor or 0)), f"{major}.{minor}" if minor else major


_GPU_FRAMEWORKS = ("pytorch", "tensorflow", "jaxlib", "cupy")


@dataclass(frozen=True)
class CondaGpuNeed:
    """The CUDA conda packages carry: `source` names the package that set `cuda`."""

    cuda: tuple[int, int] | None
    source: str = ""  # "cudatoolkit 11.1 in environment.yml:12"
    frameworks: tuple[str, ...] = ()  # "pytorch 1.9.1"
    cpu_only: tuple[str, ...] = ()  # GPU frameworks in a CPU build
    evidence: tuple[str, ...] = ()


def cuda_from_entries(entries: Iterable[tuple[str, str]]) -> CondaGpuNeed:
    """The CUDA an environment file's match specs ask for, before anything is solved;
    `entries` are (match spec, where it was written: "environment.yml:12")."""
    pins: list[tuple[tuple[int, int], str]] = []
    builds: list[tuple[tuple[int, int], str]] = []
    frameworks: list[str] = []
    evidence: list[str] = []
    for text, where in entries:
        match = _SPEC.match(text)
        if match is None:
            continue
        name, build = match["name"].lower(), match["build"] or ""
        version = match["version"] if match["op"] in (None, "=", "==") else None
        named = f"{name} {version}" if version else name
        pinned = _pinned_cuda(match) if name in _CUDA_PINS else None
        if pinned is not None:
            pins.append((pinned[0], f"{name} {pinned[1]} in {where}"))
            evidence.append(f"{text} ({where}): {_CUDA_PINS[name]} CUDA {pinned[1]}")
        elif name in _GPU_FRAMEWORKS:
            frameworks.append(named)
            if built := _CUDA_BUILD.search(build):
                found = _build_cuda(built)
                if found is not None:
                    builds.append((found, f"{named} ({build}) in {where}"))
                evidence.append(f"{text} ({where}): a CUDA build of {name}")
    return _need(pins, builds, frameworks, (), evidence)


def cuda_from_records(
    records: Iterable[tuple[str, str, str]], written: Mapping[str, str] | None = None
) -> CondaGpuNeed:
    """The CUDA the solved (or taken) conda records carry; `records` are (name, version,
    build): a CUDA package's version, else a framework's `cuda…` build string. `written`
    says where a package was asked for (name -> "environment.yml:12"), for the reason."""
    written = written or {}
    pins: list[tuple[tuple[int, int], str]] = []
    builds: list[tuple[tuple[int, int], str]] = []
    frameworks: list[str] = []
    cpu_only: list[str] = []
    evidence: list[str] = []
    for name, version, build in records:
        if name in _CUDA_PINS and (found := _CUDA_VERSION.match(version)):
            cuda = (int(found[1]), int(found[2] or 0))
            pins.append((cuda, _locked(name, version, written)))
            evidence.append(f"{name} {version}: {_CUDA_PINS[name]} CUDA {cuda[0]}.{cuda[1]}")
        elif name in _GPU_FRAMEWORKS:
            built = _CUDA_BUILD.search(build)
            cuda_build = _build_cuda(built) if built else None
            if cuda_build is None:
                cpu_only.append(f"{name} {version} ({build})")
                continue
            frameworks.append(f"{name} {version}")
            builds.append((cuda_build, _locked(name, f"{version} ({build})", written)))
            evidence.append(f"{name} {version} {build}: a CUDA build")
    return _need(pins, builds, frameworks, cpu_only, evidence)


def _locked(name: str, version: str, written: Mapping[str, str]) -> str:
    where = written.get(name)
    return f"{name} {version}, locked for {where}" if where else f"{name} {version} (locked)"


def _need(
    pins: list[tuple[tuple[int, int], str]],
    builds: list[tuple[tuple[int, int], str]],
    frameworks: list[str],
    cpu_only: tuple[str, ...] | list[str],
    evidence: list[str],
) -> CondaGpuNeed:
    """A CUDA package decides over a build string; of several, the newest (the driver must
    run it), the first written on a tie."""
    found = pins or builds
    if not found:
        return CondaGpuNeed(None, cpu_only=tuple(cpu_only), evidence=tuple(evidence))
    cuda, source = max(found, key=lambda item: item[0])  # max keeps the first of equals
    return CondaGpuNeed(cuda, source, tuple(frameworks), tuple(cpu_only), tuple(evidence))
