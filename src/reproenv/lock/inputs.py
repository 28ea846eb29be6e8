"""What a lock depends on, hashed without network so `lock --check` can say "stale" offline."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from pathlib import Path

from reproenv.errors import bad_input
from reproenv.lock.model import HASH_SCHEME
from reproenv.spec.model import Spec

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE = re.compile(r"^\s*(-r|-c|--requirement|--constraint)(\s+|=)(?P<path>\S+)")


def requirement_files(spec: Spec) -> list[Path]:
    """The spec's requirement files and every file they include with -r / -c, in order."""
    seen: list[Path] = []
    pending = [spec.project_dir / name for name in spec.requirements]
    while pending:
        path = pending.pop(0).resolve()
        if path in seen:
            continue
        seen.append(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _INCLUDE.match(line)
            if not match:
                continue
            included = path.parent / shlex.split(match.group("path"))[0]
            if not included.is_file():
                raise bad_input(
                    f"{path.name}:{number}: includes {match.group('path')}, which does not exist",
                    "missing-input-file",
                    "fix the path (relative to the including file) or create the file",
                    file=str(path),
                    line=str(number),
                )
            pending.append(included)
    return seen


def input_hash(spec: Spec) -> str:
    files = {
        _relative(path, spec.project_dir): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in requirement_files(spec)
    }
    document = {
        "hash-scheme": HASH_SCHEME,
        "python": spec.python,
        "platforms": list(spec.platforms),
        "base-image": spec.base_image,
        "apt": list(spec.apt_packages),
        "pip-files": files,
        "pip-pyproject": list(spec.pyproject_dependencies),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def locate_requirements(spec: Spec, names: set[str]) -> list[str]:
    """`file:line: requirement` for every input line that asks for one of `names`."""
    from packaging.utils import canonicalize_name

    wanted = {canonicalize_name(n) for n in names}
    found: list[str] = []
    candidates = [
        (_relative(path, spec.project_dir), number, line.strip())
        for path in requirement_files(spec)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
    ]
    candidates += [("pyproject.toml", 0, dep) for dep in spec.pyproject_dependencies]
    for where, number, line in candidates:
        match = _NAME.match(line)
        if match and canonicalize_name(match.group(1)) in wanted:
            found.append(f"{where}:{number}: {line}" if number else f"{where}: {line}")
    return found
