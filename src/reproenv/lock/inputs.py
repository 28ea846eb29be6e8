"""What a lock depends on, hashed without network so `lock --check` can say "stale" offline."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from reproenv.detect.conda import ENVIRONMENT_FILES
from reproenv.errors import bad_input, redact
from reproenv.fsutil import read_user_text
from reproenv.lock.model import HASH_SCHEME
from reproenv.spec.devcontainer import DevcontainerSpec
from reproenv.spec.environment import pip_part_includes
from reproenv.spec.envvars import expand_env
from reproenv.spec.model import CondaSpec, Spec
from reproenv.spec.requirements import (
    INDEX_OPTIONS,
    RequirementLine,
    Source,
    canonical_name,
    parse_line,
    parse_lines,
    read_lines,
)


def requirement_files(spec: Spec) -> list[Path]:
    """The spec's requirement files and every file they include with -r / -c, in order."""
    seen: list[Path] = []
    pending = [spec.project_dir / name for name in spec.requirements]
    while pending:
        path = pending.pop(0).resolve()
        if path in seen:
            continue
        seen.append(path)
        for line in read_lines(path):
            if line.include is None:
                continue
            included = path.parent / line.include
            if not included.is_file():
                raise bad_input(
                    f"{path.name}:{line.number}: includes {line.include}, which does not exist",
                    "missing-input-file",
                    "fix the path (relative to the including file) or create the file",
                    file=str(path),
                    line=str(line.number),
                )
            pending.append(included)
    return seen


def input_hash(spec: Spec) -> str:
    files = {
        _relative(path, spec.project_dir): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in requirement_files(spec)
    }
    document: dict[str, object] = {
        "hash-scheme": HASH_SCHEME,
        "python": spec.python,
        "platforms": list(spec.platforms),
        "base-image": spec.base_image,
        "apt": list(spec.apt_packages),
        "pip-files": files,
        "pip-pyproject": list(spec.pyproject_dependencies),
    }
    # later additions enter the hash only when used, so existing locks stay fresh
    if spec.apt_snapshot:
        document["apt-snapshot"] = spec.apt_snapshot
    if (spec.gpu, spec.cuda, spec.gpu_driver) != ("auto", None, None):
        document["gpu"] = [spec.gpu, spec.cuda or "", spec.gpu_driver or ""]
    if spec.index_url or spec.extra_index_urls:
        document["pip-indexes"] = [spec.index_url or "", *spec.extra_index_urls]
    projects = local_projects(spec)
    if projects:
        document["local-projects"] = [[p.path, *p.build_requires] for p in projects]
        document["local-project-files"] = local_sources_hash(projects, spec.project_dir)
    if spec.exclude_newer:
        document["pip-exclude-newer"] = spec.exclude_newer
    if spec.only_wheels:
        document["pip-only-wheels"] = True
    # the GPU decision reports what a conda environment file asks of CUDA
    for name in ENVIRONMENT_FILES:
        if (spec.project_dir / name).is_file():
            environment = (spec.project_dir / name).read_bytes()
            document["conda-environment"] = [name, hashlib.sha256(environment).hexdigest()]
            break
    if spec.conda is not None:
        document["conda"] = _conda_inputs(spec, spec.conda)
    if spec.devcontainer is not None and spec.devcontainer.has_dev_group:
        document["dev-group"] = _dev_inputs(spec, spec.devcontainer)
    if spec.devcontainer is not None and spec.devcontainer.features:
        # the Features' options are devcontainer.json's alone: only which ones enter the lock
        document["devcontainer-features"] = [name for name, _ in spec.devcontainer.features]
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dev_files(spec: Spec, dev: DevcontainerSpec) -> list[Path]:
    """The dev group's requirement files (with what they include), and pyproject.toml when
    it names groups of it."""
    files = requirement_files(spec.model_copy(update={"requirements": dev.requirements}))
    return files + ([spec.project_dir / "pyproject.toml"] if dev.groups or dev.extras else [])


def _dev_inputs(spec: Spec, dev: DevcontainerSpec) -> dict[str, object]:
    return {
        "files": {
            _relative(path, spec.project_dir): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in dev_files(spec, dev)
        },
        "groups": list(dev.groups),
        **({"extras": list(dev.extras)} if dev.extras else {}),
        "tools": list(dev.tools),
    }


def conda_files(spec: Spec) -> list[Path]:
    """The environment files or the lock file the spec's [conda] table names."""
    if spec.conda is None:
        return []
    named = spec.conda.files + ((spec.conda.lockfile,) if spec.conda.lockfile else ())
    files = [spec.project_dir / name for name in named]
    includes = pip_part_includes(spec.conda)
    if includes:  # and what they include in turn
        files += requirement_files(spec.model_copy(update={"requirements": includes}))
    return files


def _conda_inputs(spec: Spec, conda: CondaSpec) -> dict[str, object]:
    return {
        "files": {
            _relative(path, spec.project_dir): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in conda_files(spec)
        },
        "channels": list(conda.channels),
        "channel-priority": conda.channel_priority,
        "lockfile-environment": conda.lockfile_environment or "",
    }


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def locate_requirements(spec: Spec, names: set[str]) -> list[str]:
    """`file:line: requirement` for every input line that asks for one of `names`."""
    wanted = {canonical_name(n) for n in names}
    found: list[str] = []
    candidates = [
        (_relative(path, spec.project_dir), line)
        for path in requirement_files(spec)
        for line in read_lines(path)
    ]
    candidates += [("pyproject.toml", parse_line(dep)) for dep in spec.pyproject_dependencies]
    for where, line in candidates:
        asked = line.requirement
        if asked is not None and canonical_name(asked.name) in wanted:
            place = f"{where}:{line.number}" if line.number else where
            found.append(f"{place}: {line.text}")
    return found


def locate_git_requirements(spec: Spec) -> list[str]:
    """`file:line: requirement` for every git+ requirement of the inputs."""
    return [
        f"{_relative(path, spec.project_dir)}:{line.number}: {line.text}"
        for path in requirement_files(spec)
        for line in read_lines(path)
        if line.is_git and not line.editable
    ]


def check_supported(spec: Spec) -> None:
    """Refuse, with file and line, what cannot be pinned by name, version and hash here."""
    for path in requirement_files(spec):
        for line in read_lines(path):
            source = line.source
            kind = (
                "a VCS requirement" if source is Source.VCS
                else "a local path or editable requirement"
                if source is Source.LOCAL or line.editable
                else "a direct URL requirement" if source is Source.URL
                else None
            )  # fmt: skip
            if kind:
                raise bad_input(
                    f"{_relative(path, spec.project_dir)}:{line.number}: {line.text} is {kind}; "
                    "this version of reproenv locks packages from an index only",
                    "unsupported-requirement",
                    "publish a release to an index (a private one works) and require it by "
                    "name, or add its wheel to an index you control",
                    file=str(path),
                    line=str(line.number),
                )


_SETUPTOOLS_FALLBACK = ("setuptools>=40.8.0",)  # what pip assumes without [build-system]


@dataclass(frozen=True)
class LocalProject:
    """A Python project in the project folder that the image installs (not editable)."""

    path: str  # relative to the project folder, posix; "." is the project itself
    where: str  # file:line (or the spec key) that asks for it, for messages
    build_requires: tuple[str, ...]  # [build-system].requires, locked as ordinary pins


def local_projects(spec: Spec) -> tuple[LocalProject, ...]:
    """The project itself (pip.pyproject with a [build-system], or a `.` / `-e .` line) and the
    local path requirements inside the project folder; paths outside it are refused."""
    root = spec.project_dir.resolve()
    found: dict[str, LocalProject] = {}
    if spec.pyproject and "build-system" in _pyproject(root):
        found["."] = _local_project(root, root, f"{spec.source.name}: pip.pyproject")
    for path in requirement_files(spec):
        for line in read_lines(path):
            raw = line.local_path
            if raw is None:
                continue
            number = line.number
            where = f"{_relative(path, root)}:{number}"
            # pip resolves a relative path against the working directory: the project folder
            target = (root / raw).resolve()
            if target != root and root not in target.parents:
                raise bad_input(
                    f"{where}: {line.text} is outside the project folder; the image is built from "
                    "the project folder only",
                    "local-path-outside-project",
                    "move the package into the project (e.g. libs/), or publish it to an index "
                    "and require it by name",
                    file=str(path),
                    line=str(number),
                )
            relative = target.relative_to(root).as_posix() if target != root else "."
            found.setdefault(relative, _local_project(root, target, where, path, number))
    return tuple(sorted(found.values(), key=lambda p: (p.path != ".", p.path)))


def _pyproject(folder: Path) -> dict[str, object]:
    import tomllib

    path = folder / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise bad_input(
            f"cannot read {_relative(path, folder)}: {exc}", "unreadable-file", file=str(path)
        ) from None


def _local_project(
    root: Path, folder: Path, where: str, source: Path | None = None, number: int = 0
) -> LocalProject:
    relative = folder.relative_to(root).as_posix() if folder != root else "."
    data = _pyproject(folder) if folder.is_dir() else {}
    system = data.get("build-system")
    if isinstance(system, dict) and isinstance(system.get("requires", []), list):
        requires = tuple(str(r) for r in system.get("requires", []))
    elif folder.is_dir() and (folder / "setup.py").is_file():
        requires = _SETUPTOOLS_FALLBACK
    else:
        context = {"file": str(source)} if source else {}
        if number:
            context["line"] = str(number)
        raise bad_input(
            f"{where}: {relative} is not a Python project (no pyproject.toml with "
            "[build-system], and no setup.py)",
            "local-path-not-a-project",
            "fix the path, or add a pyproject.toml with [build-system] there",
            **context,
        )
    return LocalProject(relative, where, requires)


def local_sources_hash(projects: tuple[LocalProject, ...], root: Path) -> list[list[str]]:
    """What a lock takes from each local project: its metadata files (dependencies and build
    requirements), not its code, so a code change keeps the lock fresh."""
    entries: list[list[str]] = []
    for project in projects:
        folder = root / project.path
        for name in ("pyproject.toml", "setup.cfg", "setup.py"):
            if (folder / name).is_file():
                digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
                entries.append([f"{project.path}/{name}", digest])
    return entries


def check_uv_supported(spec: Spec) -> None:
    """What the uv backend locks besides index packages: git requirements (pinned to the commit
    they resolve to) and local projects inside the project folder. The rest is refused."""
    for path in requirement_files(spec):
        for line in read_lines(path):
            kind = _uv_unsupported(line)
            if kind:
                raise bad_input(
                    f"{_relative(path, spec.project_dir)}:{line.number}: {line.text} is {kind}; "
                    "reproenv locks index packages, git+ requirements and local projects",
                    "unsupported-requirement",
                    "require it by name from an index, as `name @ git+https://…`, or as a "
                    "path inside the project",
                    file=str(path),
                    line=str(line.number),
                )
    local_projects(spec)


def _uv_unsupported(line: RequirementLine) -> str | None:
    """What the line is when the uv backend cannot lock it; None when it can."""
    if line.is_option or line.local_path is not None:
        return None  # a local path is checked by local_projects, which refuses paths outside
    is_vcs = line.source is Source.VCS
    if is_vcs and line.is_git and not line.editable:
        return None
    return (
        "an editable VCS requirement" if is_vcs and line.editable
        else "a VCS requirement other than git" if is_vcs
        else "an editable requirement" if line.editable
        else "a direct URL requirement" if line.source is Source.URL
        else None
    )  # fmt: skip


def prehashed(spec: Spec) -> list[tuple[str, str, tuple[str, ...]]] | None:
    """A fully pinned and hashed file (pip-compile --generate-hashes output) is used as it is:
    returns its (name, version, hashes), or None when the inputs need resolving."""
    files = requirement_files(spec)
    if len(files) != 1 or spec.pyproject_dependencies:
        return None
    return hashed_pins(read_user_text(files[0]))


def hashed_pins(text: str) -> list[tuple[str, str, tuple[str, ...]]] | None:
    """(name, version, hashes) of pip's hash-checking format; None unless every line is one."""
    pins: list[tuple[str, str, tuple[str, ...]]] = []
    for line in parse_lines(text):
        if line.option is not None:
            continue  # options such as --index-url are carried by the index fields
        pin = line.pin
        if pin is None or not line.hashes:
            return None
        pins.append((*pin, tuple(sorted(line.hashes))))
    return pins or None


def index_lines(spec: Spec) -> tuple[tuple[str, str], ...]:
    """The index options of the spec's requirement files, `(option, value)` as written
    (credentials as `${VAR}`s or literal): the one reader of them."""
    return tuple(
        (line.option, line.value)
        for path in requirement_files(spec)
        for line in read_lines(path)
        if line.option in INDEX_OPTIONS and line.value
    )


def declared_indexes(spec: Spec) -> tuple[str | None, tuple[str, ...]]:
    """The package indexes the inputs name (spec, then -i/--extra-index-url lines), with
    ${VAR}s expanded and credentials removed: what pip needs again inside the build."""
    index_url = spec.index_url
    extras = list(spec.extra_index_urls)
    for option, value in index_lines(spec):
        if option == "--extra-index-url":
            extras.append(value)
        else:
            index_url = value
    cleaned = tuple(dict.fromkeys(public_index(url) for url in extras))
    return (public_index(index_url) if index_url else None), cleaned


def public_index(url: str) -> str:
    """An index URL as the lock, the image and reproenv's cache may hold it: its `${VAR}`s
    expanded and its credentials removed."""
    return redact(expand_env(url), mask="")
