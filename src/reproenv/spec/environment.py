"""conda environment files (`environment.yml`) read with the line of every entry, and merged as
conda-lock merges several: channels in order of first appearance, every match spec kept (the
solver intersects specs of one name), the `pip:` lists joined, and the `variables:` merged
with a later file's value winning (spec/conda_variables.py).

The lines are what the solver's refusals point at: "environment.yml:7: pandas >=9".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reproenv.errors import bad_input
from reproenv.fsutil import read_user_text
from reproenv.spec.conda_variables import merge_variables, read_variables
from reproenv.spec.model import CondaEntry, CondaSpec, CondaVariable, RawConda

INVALID = "conda-environment-invalid"
# a `pip:` line that includes a file, relative to the environment file as conda reads it
INCLUDE = re.compile(r"^(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(\S+)$")


@dataclass(frozen=True)
class Environment:
    """What the environment files ask for, merged."""

    files: tuple[str, ...]
    name: str | None
    channels: tuple[CondaEntry, ...]
    specs: tuple[CondaEntry, ...]
    pip: tuple[CondaEntry, ...]
    variables: tuple[CondaVariable, ...] = ()


def read_environments(project_dir: Path, files: Sequence[str]) -> Environment:
    """The files merged in order; every entry keeps its file and line."""
    parts = [_read_one(project_dir, file) for file in files]
    seen: set[str] = set()
    channels: list[CondaEntry] = []
    for part in parts:
        for channel in part.channels:
            if channel.text not in seen:
                seen.add(channel.text)
                channels.append(channel)
    return Environment(
        files=tuple(files),
        name=next((p.name for p in parts if p.name), None),
        channels=tuple(channels),
        specs=tuple(entry for part in parts for entry in part.specs),
        pip=tuple(entry for part in parts for entry in part.pip),
        variables=merge_variables(part.variables for part in parts),
    )


def _read_one(project_dir: Path, file: str) -> Environment:
    import yaml  # only for conda projects

    path = project_dir / file
    text = read_user_text(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{file}:{mark.line + 1}" if mark else file
        raise bad_input(
            f"{where}: not valid YAML ({error.problem})",
            INVALID,
            "fix the file; `conda env create --dry-run -f` shows the same problem",
            file=str(path),
        ) from None
    except yaml.YAMLError as error:
        raise bad_input(
            f"{file}: not valid YAML ({error})", INVALID, "fix the file", file=str(path)
        ) from None
    if root is None:
        return Environment((file,), None, (), (), ())
    if not isinstance(root, yaml.MappingNode):
        raise _invalid(
            file, root, "", "an environment file is a mapping: name, channels, dependencies"
        )
    fields = {key.value: value for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    name = fields.get("name")
    return Environment(
        files=(file,),
        name=name.value if isinstance(name, yaml.ScalarNode) and name.value else None,
        channels=_scalars(file, fields.get("channels"), "channels"),
        specs=_specs(file, fields.get("dependencies")),
        pip=_pip(file, fields.get("dependencies")),
        variables=read_variables(file, fields.get("variables")),
    )


def _scalars(file: str, node: object, key: str) -> tuple[CondaEntry, ...]:
    import yaml

    if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "null", "~")):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise _invalid(file, node, key, f"write `{key}:` followed by `- item` lines")
    entries = []
    for index, item in enumerate(node.value):
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise _invalid(file, item, f"{key}[{index}]", "each entry is a plain string")
        line = item.start_mark.line + 1
        entries.append(CondaEntry(text=str(item.value).strip(), file=file, line=line))
    return tuple(entries)


def _specs(file: str, node: object) -> tuple[CondaEntry, ...]:
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        return _scalars(file, node, "dependencies")
    plain = [item for item in node.value if not isinstance(item, yaml.MappingNode)]
    return _scalars(file, yaml.SequenceNode(node.tag, plain, node.start_mark), "dependencies")


def _pip(file: str, node: object) -> tuple[CondaEntry, ...]:
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        return ()
    entries: list[CondaEntry] = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            continue
        for key, value in item.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "pip":
                entries += _scalars(file, value, "dependencies.pip")
            else:
                raise _invalid(file, key, "dependencies", "the only list inside is `- pip:`")
    return tuple(entries)


def _invalid(file: str, node: object, key: str, hint: str) -> Exception:
    mark = getattr(node, "start_mark", None)
    where = f"{file}:{mark.line + 1}" if mark is not None else file
    what = f"`{key}` is not what conda expects" if key else "not what conda expects"
    context = {"file": file, "key": key} if key else {"file": file}
    return bad_input(f"{where}: {what}", INVALID, hint, **context)


LOCKFILE_KINDS = {
    "conda-lock.yml": "conda-lock",
    "conda-lock.yaml": "conda-lock",
    "pixi.lock": "pixi",
}


def complete_conda(raw: RawConda | None, project_dir: Path, spec_path: Path) -> CondaSpec | None:
    """The spec's [conda] table checked against the files it names; None without one."""
    if raw is None:
        return None
    source = spec_path.name
    if raw.lockfile is not None:
        _refuse_lockfile_mix(raw, project_dir, spec_path)
        return CondaSpec(
            channels=tuple(raw.channels),
            channel_priority=raw.channel_priority,
            lockfile=raw.lockfile,
            lockfile_environment=raw.environment_name,
        )
    if not raw.environment:
        raise bad_input(
            f"{source}: [conda] names no environment file and no lock file",
            "spec-invalid",
            'add environment = ["environment.yml"], or lockfile = "conda-lock.yml" / "pixi.lock"',
            file=str(spec_path),
            key="conda",
        )
    for index, file in enumerate(raw.environment):
        _require_file(project_dir, spec_path, file, f"conda.environment[{index}]")
    environment = read_environments(project_dir, raw.environment)
    channels = tuple(raw.channels) or tuple(c.text for c in environment.channels)
    if not channels:
        raise bad_input(
            f"{', '.join(raw.environment)} and {source} name no conda channel",
            "conda-no-channels",
            "add `channels: [conda-forge]` to the environment file, or conda.channels to the spec",
            file=str(project_dir / raw.environment[0]),
            key="channels",
        )
    return CondaSpec(
        files=tuple(raw.environment),
        channels=channels,
        specs=environment.specs,
        pip=environment.pip,
        variables=environment.variables,
        channel_priority=raw.channel_priority,
    )


def _refuse_lockfile_mix(raw: RawConda, project_dir: Path, spec_path: Path) -> None:
    lockfile = raw.lockfile or ""
    if raw.environment:
        raise bad_input(
            f"{spec_path.name}: conda.lockfile is used as it is, so conda.environment has "
            "nothing to add",
            "spec-invalid",
            "keep one: the environment files (solved by reproenv) or the lock file",
            file=str(spec_path),
            key="conda.lockfile",
        )
    name = Path(lockfile).name
    if name not in LOCKFILE_KINDS:
        raise bad_input(
            f"{spec_path.name}: conda.lockfile = {lockfile!r} is neither a conda-lock.yml "
            "nor a pixi.lock",
            "spec-invalid",
            "name conda-lock's unified lock file (conda-lock.yml) or pixi's (pixi.lock)",
            file=str(spec_path),
            key="conda.lockfile",
        )
    if raw.environment_name and LOCKFILE_KINDS[name] != "pixi":
        raise bad_input(
            f"{spec_path.name}: conda.lockfile-environment picks an environment of a pixi.lock; "
            f"{name} has one environment",
            "spec-invalid",
            "remove conda.lockfile-environment",
            file=str(spec_path),
            key="conda.lockfile-environment",
        )
    _require_file(project_dir, spec_path, lockfile, "conda.lockfile")


def _require_file(project_dir: Path, spec_path: Path, file: str, key: str) -> None:
    if not (project_dir / file).is_file():
        raise bad_input(
            f"{spec_path.name}: {key} names {file}, which does not exist",
            "missing-input-file",
            f"create the file or remove it from {key.split('[')[0]}",
            file=str(spec_path),
            key=key,
        )


def pip_part_includes(conda: CondaSpec | None) -> tuple[str, ...]:
    """The files the `pip:` lines include, relative to the project: inputs of the lock."""
    if conda is None:
        return ()
    found = []
    for entry in conda.pip:
        include = INCLUDE.match(entry.text)
        if include is not None:
            found.append(str(Path(entry.file).parent / include[2]))
    return tuple(found)


def match_spec_name(text: str) -> str:
    """The package a match spec names, as written: `conda-forge::numpy >=1.26` -> `numpy`."""
    return re.split(r"[\s=<>!~\[:]", text.split("::")[-1].strip(), maxsplit=1)[0]
