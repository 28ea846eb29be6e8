"""Read `reproenv.toml` or `[tool.reproenv]` into a `Spec`; errors name file, line and key."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from reproenv.errors import ReproenvError, bad_input
from reproenv.fsutil import read_user_text
from reproenv.settings import MIRROR_ENV
from reproenv.spec.devcontainer import complete_devcontainer
from reproenv.spec.environment import complete_conda
from reproenv.spec.model import (
    DEFAULT_DOCKERFILE,
    DEFAULT_INSTALLER,
    DEFAULT_PLATFORM,
    DEFAULT_PYTHON,
    DEFAULT_USER,
    DEFAULT_WORKDIR,
    SPEC_FILE,
    RawSpec,
    Spec,
    default_base_image,
    project_name_from_dir,
)
from reproenv.spec.run_paths import checked_run_paths
from reproenv.spec.toml_file import read_toml

KNOWN_PYTHONS = tuple(f"3.{minor}" for minor in range(8, 15))


def find_spec_file(project_dir: Path) -> Path:
    spec_path = project_dir / SPEC_FILE
    if spec_path.is_file():
        return spec_path
    pyproject = project_dir / "pyproject.toml"
    if pyproject.is_file():
        data, _ = read_toml(pyproject)
        if isinstance(data.get("tool"), dict) and "reproenv" in data["tool"]:
            return pyproject
    raise bad_input(
        f"no {SPEC_FILE} (or [tool.reproenv] in pyproject.toml) in {project_dir}",
        "no-spec",
        "run `reproenv init` in the project folder",
        file=str(spec_path),
    )


def load_spec(project_dir: Path, env: Mapping[str, str] | None = None) -> Spec:
    env = os.environ if env is None else env
    project_dir = project_dir.resolve()
    spec_path = find_spec_file(project_dir)
    data, text = read_toml(spec_path)
    table_prefix: tuple[str, ...] = ()
    if spec_path.name == "pyproject.toml":
        data = data["tool"]["reproenv"]
        table_prefix = ("tool", "reproenv")
        if not isinstance(data, dict):
            raise bad_input(
                "pyproject.toml: [tool.reproenv] must be a table",
                "spec-invalid",
                file=str(spec_path),
                key="tool.reproenv",
            )
    try:
        raw = RawSpec.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(spec_path, text, exc, table_prefix) from None
    return complete_spec(raw, project_dir, spec_path, env)


def complete_spec(raw: RawSpec, project_dir: Path, spec_path: Path, env: Mapping[str, str]) -> Spec:
    python = raw.python or detect_python_version(project_dir)
    _check_requirement_files(raw.pip.requirements, project_dir, spec_path)
    if (raw.pip.extras or raw.pip.groups) and not raw.pip.pyproject:
        raise bad_input(
            f"{spec_path.name}: pip.extras and pip.groups select parts of pyproject.toml, "
            "but pip.pyproject is false",
            "spec-invalid",
            "set pip.pyproject = true, or remove pip.extras / pip.groups",
            file=str(spec_path),
            key="pip.extras" if raw.pip.extras else "pip.groups",
        )
    dependencies = (
        read_pyproject_dependencies(project_dir, raw.pip.extras, raw.pip.groups)
        if raw.pip.pyproject
        else ()
    )
    return Spec(
        project_dir=project_dir,
        source=spec_path,
        name=raw.name or project_name_from_dir(project_dir),
        python=python,
        platforms=tuple(raw.platforms or (DEFAULT_PLATFORM,)),
        command=tuple(raw.command or ()),
        requirements=tuple(raw.pip.requirements),
        pyproject_dependencies=dependencies,
        pyproject_extras=tuple(sorted(set(raw.pip.extras))),
        pyproject_groups=tuple(sorted(set(raw.pip.groups))),
        index_url=raw.pip.index_url,
        extra_index_urls=tuple(raw.pip.extra_index_urls),
        exclude_newer=_checked_exclude_newer(raw.pip.exclude_newer, spec_path),
        only_wheels=raw.pip.only_wheels,
        apt_packages=tuple(sorted(set(raw.apt.packages))),
        apt_snapshot=raw.apt.snapshot,
        base_image=raw.image.base or default_base_image(python),
        registry_mirror=env.get(MIRROR_ENV) or raw.image.registry_mirror or None,
        user=raw.image.user or DEFAULT_USER,
        workdir=raw.image.workdir or DEFAULT_WORKDIR,
        dockerfile_syntax=raw.image.dockerfile_syntax,
        dockerfile=raw.image.dockerfile or DEFAULT_DOCKERFILE,
        installer=raw.image.installer or DEFAULT_INSTALLER,
        pyproject=raw.pip.pyproject,
        gpu=raw.gpu,
        cuda=raw.cuda,
        gpu_driver=raw.gpu_driver,
        conda=complete_conda(raw.conda, project_dir, spec_path),
        run_inputs=checked_run_paths(raw.run.inputs, "inputs", project_dir, spec_path),
        run_outputs=checked_run_paths(raw.run.outputs, "outputs", project_dir, spec_path),
        publish_repository=raw.publish.repository,
        devcontainer=complete_devcontainer(raw.devcontainer, project_dir, spec_path),
    )


def _check_requirement_files(files: list[str], project_dir: Path, spec_path: Path) -> None:
    for index, requirement_file in enumerate(files):
        if not (project_dir / requirement_file).is_file():
            raise bad_input(
                f"{spec_path.name}: pip.requirements[{index}] names {requirement_file}, "
                "which does not exist",
                "missing-input-file",
                "create the file or remove it from pip.requirements",
                file=str(spec_path),
                key=f"pip.requirements[{index}]",
            )


def _checked_exclude_newer(value: str | None, spec_path: Path) -> str | None:
    """The pattern lets 2022-02-30 through: a real date (and time) or a clear error."""
    if value is None:
        return None
    from datetime import datetime

    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_input(
            f"{spec_path.name}: pip.exclude-newer = {value!r} is not a date: {exc}",
            "spec-invalid",
            'write a date ("2022-06-01") or an RFC 3339 timestamp ("2022-06-01T12:00:00Z")',
            file=str(spec_path),
            key="pip.exclude-newer",
        ) from None
    return value


def read_pyproject_dependencies(
    project_dir: Path, extras: Sequence[str] = (), groups: Sequence[str] = ()
) -> tuple[str, ...]:
    """The dependencies to lock, with the chosen extras and groups, as hash input (uv reads
    pyproject.toml itself when resolving)."""
    path = project_dir / "pyproject.toml"
    data, _ = read_toml(path)
    project = data.get("project")
    if not isinstance(project, dict):
        raise bad_input(
            "pyproject.toml has no [project] table, but pip.pyproject = true",
            "missing-project-table",
            "add [project] with dependencies, or set pip.pyproject = false",
            file=str(path),
            key="project",
        )
    if "dependencies" in project.get("dynamic", []):
        raise bad_input(
            "pyproject.toml declares dependencies as dynamic; reproenv needs them written out",
            "dynamic-dependencies",
            "list them in [project].dependencies, or use a requirements.in file",
            file=str(path),
            key="project.dynamic",
        )
    dependencies = _checked_dependencies(path, project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    declared_groups = data.get("dependency-groups", {})
    for key, chosen, declared in (
        ("project.optional-dependencies", extras, optional),
        ("dependency-groups", groups, declared_groups),
    ):
        for name in chosen:
            if name not in declared:
                raise bad_input(
                    f"pyproject.toml has no {key}.{name} (it declares: "
                    f"{', '.join(sorted(declared)) or 'none'})",
                    "unknown-extra-or-group",
                    "fix the name in reproenv.toml, or declare it in pyproject.toml",
                    file=str(path),
                    key=f"{key}.{name}",
                )
            dependencies = [*dependencies, *(f"{key}.{name}: {d}" for d in declared[name])]
    return tuple(dependencies)


def _checked_dependencies(path: Path, dependencies: object) -> list[str]:
    """[project].dependencies, each a valid PEP 508 requirement."""
    from reproenv.spec.requirements import requirement_error

    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise bad_input(
            "pyproject.toml: project.dependencies must be a list of strings",
            "spec-invalid",
            file=str(path),
            key="project.dependencies",
        )
    for dependency in dependencies:
        error = requirement_error(dependency)
        if error is not None:
            raise bad_input(
                f"pyproject.toml: invalid dependency {dependency!r}: {error}",
                "bad-requirement",
                file=str(path),
                key="project.dependencies",
                package=dependency,
            )
    return dependencies


def detect_python_version(project_dir: Path) -> str:
    """Spec value first; then `.python-version`, then `requires-python`, then the default."""
    version_file = project_dir / ".python-version"
    if version_file.is_file():
        match = re.match(r"\s*(3\.\d+)", read_user_text(version_file))
        if match:
            return match.group(1)
    pyproject = project_dir / "pyproject.toml"
    if pyproject.is_file():
        data, _ = read_toml(pyproject)
        requires = data.get("project", {}).get("requires-python")
        if isinstance(requires, str):
            from packaging.specifiers import InvalidSpecifier, SpecifierSet

            try:
                specifier = SpecifierSet(requires)
            except InvalidSpecifier:
                raise bad_input(
                    f"pyproject.toml: requires-python {requires!r} is not a valid specifier",
                    "bad-requires-python",
                    file=str(pyproject),
                    key="project.requires-python",
                ) from None
            # the default when allowed (a tested, common choice), else the newest allowed
            allowed = [v for v in KNOWN_PYTHONS if specifier.contains(f"{v}.0")]
            if DEFAULT_PYTHON in allowed:
                return DEFAULT_PYTHON
            if allowed:
                return allowed[-1]
    return DEFAULT_PYTHON


def _validation_error(
    path: Path, text: str, exc: ValidationError, table_prefix: tuple[str, ...]
) -> ReproenvError:
    first = exc.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    key = ".".join(loc) if loc else "(top level)"
    line = _line_of(text, table_prefix, tuple(p for p in loc if not p.isdigit()))
    where = f"{path.name}:{line}" if line else path.name
    if first["type"] == "extra_forbidden":
        message = f"{where}: unknown key {key!r}"
        hint = "remove it or fix its spelling; see README for the keys reproenv.toml accepts"
        reference = "spec-unknown-key"
    else:
        message = f"{where}: {key}: {first['msg']} (got {first.get('input')!r})"
        hint = "fix the value's type or format"
        reference = "spec-invalid"
    context = {"file": str(path), "key": key}
    if line:
        context["line"] = str(line)
    return bad_input(message, reference, hint, **context)


def _line_of(text: str, table_prefix: tuple[str, ...], loc: tuple[str, ...]) -> int | None:
    """Best-effort line number of a key, for messages; None when it cannot be found."""
    if not loc:
        return None
    *tables, key = loc
    header = ".".join((*table_prefix, *tables))
    in_table = not header
    key_pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.strip("[]").strip() == header
            continue
        if in_table and key_pattern.match(line):
            return number
    for number, line in enumerate(text.splitlines(), start=1):
        if key_pattern.match(line) or re.match(rf"^\s*{re.escape(key)}\s*\.", line):
            return number
    return None
