"""A build context as a tar, filtered by .dockerignore rules, for the legacy builder: it reads
only the context root's .dockerignore, never the `<Dockerfile>.dockerignore` beside a Dockerfile
in an output folder, so reproenv applies those rules itself and sends the result on stdin.

The rules follow the docker client's own matcher (moby/patternmatcher): patterns are cleaned
and made relative, `*` and `?` stop at `/`, `**` crosses folders, a rule that matches a folder
matches everything in it, `!` re-includes, and the last rule that matches wins."""

from __future__ import annotations

import os
import posixpath
import re
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# what the daemon finds in the tar besides the project: it reads the Dockerfile, then drops
# both files from the context because this .dockerignore names them
LEGACY_DOCKERFILE = ".reproenv-legacy.Dockerfile"
_OWN_IGNORE = f"{LEGACY_DOCKERFILE}\n.dockerignore\n"


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    parts: int  # how many path parts the pattern has: parents up to this depth are tried
    exclusion: bool


def parse_rules(lines: Iterable[str]) -> tuple[_Rule, ...]:
    rules = []
    for raw in lines:
        if raw.startswith("#"):
            continue
        pattern = raw.strip()
        if not pattern:
            continue
        exclusion = pattern.startswith("!")
        if exclusion:
            pattern = pattern[1:].strip()
        if not pattern:
            continue
        pattern = posixpath.normpath(pattern)
        if len(pattern) > 1 and pattern.startswith("/"):
            pattern = pattern[1:]
        rules.append(_Rule(re.compile(_translate(pattern)), len(pattern.split("/")), exclusion))
    return tuple(rules)


def _translate(pattern: str) -> str:
    out = ["^"]
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if in_class:
            out.append("\\\\" if char == "\\" else char)
            in_class = char != "]"
        elif char == "*":
            if pattern[index : index + 1] == "*":
                index += 1
                if pattern[index : index + 1] == "/":
                    index += 1
                out.append(".*" if index >= len(pattern) else "(.*/)?")
            else:
                out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            out.append("[")
            in_class = True
        elif char == "\\" and index < len(pattern):
            out.append(re.escape(pattern[index]))
            index += 1
        else:
            out.append(re.escape(char))
    return "".join(out) + "$"


def excluded(rules: tuple[_Rule, ...], path: str) -> bool:
    """Whether `path` (relative, `/`-separated) is kept out of the context."""
    matched = False
    parents = path.split("/")[:-1]
    for rule in rules:
        if rule.exclusion != matched:
            continue  # only a rule that could change the answer is tried
        hit = bool(rule.regex.match(path))
        if not hit and parents:
            hit = any(
                rule.regex.match("/".join(parents[: depth + 1]))
                for depth in range(min(len(parents), rule.parts))
            )
        if hit:
            matched = not rule.exclusion
    return matched


def write_context(project_dir: Path, rules: tuple[_Rule, ...], dockerfile: str, dest: Path) -> int:
    """Write the filtered context and the Dockerfile to `dest`; returns the number of files."""
    count = 0
    # the client recognises a tar on stdin by its first 512-byte header: a plain one first,
    # no PAX extension block before it
    with tarfile.open(dest, "w", format=tarfile.GNU_FORMAT) as archive:
        _add_text(archive, LEGACY_DOCKERFILE, dockerfile)
        _add_text(archive, ".dockerignore", _OWN_IGNORE)
        for relative, is_file in walk_context(project_dir, rules):
            if is_file and relative in (".dockerignore", LEGACY_DOCKERFILE):
                continue
            archive.add(project_dir / relative, relative, recursive=False, filter=_owned)
            count += is_file
    return count


def walk_context(project_dir: Path, rules: tuple[_Rule, ...]) -> Iterator[tuple[str, bool]]:
    """What the build context holds, in a stable order: (relative path, is a file) of each
    folder and file the ignore `rules` keep."""
    reincludes = any(rule.exclusion for rule in rules)
    for folder, subfolders, files in os.walk(project_dir):
        base = Path(folder).relative_to(project_dir).as_posix()
        prefix = "" if base == "." else f"{base}/"
        kept = []
        for name in sorted(subfolders):
            relative = prefix + name
            if not excluded(rules, relative):
                yield relative, False
                kept.append(name)
            elif reincludes:
                kept.append(name)  # a `!` rule may bring back something inside
        subfolders[:] = kept
        for name in sorted(files):
            relative = prefix + name
            if not excluded(rules, relative):
                yield relative, True


def _owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # as the docker client sends a context: owned by root, whoever owns the files here
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _add_text(archive: tarfile.TarFile, name: str, text: str) -> None:
    import io

    data = text.encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))
