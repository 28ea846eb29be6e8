"""`[devcontainer]`: the VS Code Dev Containers configuration the spec asks for, and the dev
dependency group its image's `dev` stage adds on top of the runtime one (locked, hashed, and
never in the runtime image)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from reproenv.errors import bad_input
from reproenv.model_base import StrictModel

_NAME = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$"
_SEGMENT = r"\.?[A-Za-z0-9_-][A-Za-z0-9._-]*"
# a Feature as devcontainer.json names it: an OCI reference (registry/namespace/id:tag or
# @sha256:…). Local `./` Features and tarball URLs cannot be pinned by digest in the lock
FEATURE_ID = re.compile(
    r"^(?:(?:[a-z0-9-]+\.)+[a-z0-9-]+(?::[0-9]+)?|localhost(?::[0-9]+)?|[a-z0-9-]+:[0-9]+)"
    r"(?:/[a-z0-9][a-z0-9._-]*)+(?::[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})?$"
)
OptionValue = str | bool


class RawDevcontainer(StrictModel):
    enabled: bool = True  # false keeps the table but writes no devcontainer.json
    # the dev group: requirement files, pyproject.toml [dependency-groups], and single lines
    requirements: list[
        Annotated[str, StringConstraints(pattern=rf"^{_SEGMENT}(/{_SEGMENT})*$")]
    ] = Field(default_factory=list)
    groups: list[Annotated[str, StringConstraints(pattern=_NAME)]] = Field(default_factory=list)
    # pyproject.toml [project.optional-dependencies], as many projects keep their dev tools
    extras: list[Annotated[str, StringConstraints(pattern=_NAME)]] = Field(default_factory=list)
    tools: list[Annotated[str, StringConstraints(min_length=1, max_length=500)]] = Field(
        default_factory=list
    )
    # Features by OCI reference, each with its options
    features: dict[str, dict[str, OptionValue]] = Field(default_factory=dict)


class DevcontainerSpec(BaseModel):
    """The checked table: paths relative to the project, tools as PEP 508 lines."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = True
    requirements: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    features: tuple[tuple[str, tuple[tuple[str, OptionValue], ...]], ...] = ()

    @property
    def has_dev_group(self) -> bool:
        return bool(self.requirements or self.groups or self.extras or self.tools)


def complete_devcontainer(
    raw: RawDevcontainer | None, project_dir: Path, spec_path: Path
) -> DevcontainerSpec | None:
    if raw is None:
        return None
    key = "tool.reproenv.devcontainer" if spec_path.name == "pyproject.toml" else "devcontainer"
    for index, name in enumerate(raw.requirements):
        if not (project_dir / name).is_file():
            raise _invalid(
                spec_path, f"{key}.requirements[{index}]",
                f"names {name}, which does not exist",
                "create the file or remove it from devcontainer.requirements",
                "missing-input-file",
            )  # fmt: skip
    if raw.groups:
        _check_declared(raw.groups, "groups", project_dir, spec_path, key)
    if raw.extras:
        _check_declared(raw.extras, "extras", project_dir, spec_path, key)
    from reproenv.spec.requirements import requirement_error

    for index, tool in enumerate(raw.tools):
        problem = requirement_error(tool)
        if problem is not None:
            raise _invalid(
                spec_path, f"{key}.tools[{index}]", f"is not a requirement ({problem})",
                'write a name with an optional version, e.g. "pytest" or "ruff==0.6.9"',
            )  # fmt: skip
    for feature in raw.features:
        if not FEATURE_ID.fullmatch(feature):
            raise _invalid(
                spec_path, f"{key}.features", f"{feature!r} is not a Feature's OCI reference",
                "name it as devcontainer.json does, e.g. "
                '"ghcr.io/devcontainers/features/github-cli:1" (local and URL Features cannot '
                "be pinned by digest)",
            )  # fmt: skip
    return DevcontainerSpec(
        enabled=raw.enabled,
        requirements=tuple(raw.requirements),
        groups=tuple(sorted(set(raw.groups))),
        extras=tuple(sorted(set(raw.extras))),
        tools=tuple(raw.tools),
        features=tuple(
            (feature, tuple(sorted(options.items())))
            for feature, options in sorted(raw.features.items())
        ),
    )


# where pyproject.toml declares what devcontainer.groups and devcontainer.extras name
_DECLARED = {"groups": ("dependency-groups",), "extras": ("project", "optional-dependencies")}


def _check_declared(
    names: list[str], kind: str, project_dir: Path, spec_path: Path, key: str
) -> None:
    """As pip.extras and pip.groups are checked: each name declared, else the ones that are."""
    pyproject = project_dir / "pyproject.toml"
    if not pyproject.is_file():
        raise _invalid(
            spec_path, f"{key}.{kind}", "selects parts of pyproject.toml, which does not exist",
            "create pyproject.toml, or list the packages in devcontainer.tools",
            "missing-input-file",
        )  # fmt: skip
    from reproenv.spec.toml_file import read_toml  # a syntax error is named by its line

    declared: object = read_toml(pyproject)[0]
    for part in _DECLARED[kind]:
        declared = declared.get(part, {}) if isinstance(declared, dict) else {}
    known = sorted(declared) if isinstance(declared, dict) else []
    for index, name in enumerate(names):
        if name not in known:
            raise _invalid(
                spec_path, f"{key}.{kind}[{index}]",
                f"names {name!r}, which pyproject.toml's {'.'.join(_DECLARED[kind])} does not "
                f"declare (it declares: {', '.join(known) or 'none'})",
                "fix the name, or declare it in pyproject.toml",
                "unknown-extra-or-group",
            )  # fmt: skip


def _invalid(
    spec_path: Path, key: str, problem: str, fix: str, code: str = "spec-invalid"
) -> Exception:
    return bad_input(f"{spec_path.name}: {key} {problem}", code, fix, file=str(spec_path), key=key)
