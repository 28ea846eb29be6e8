"""Requirement files as pip reads them: logical lines, the pip options reproenv follows, and
each requirement as a `packaging` Requirement, classified by where it installs from.

`packaging.requirements` costs tens of milliseconds to import, so it is loaded only when a line
has to be parsed as PEP 508: options, paths and plain URLs never need it, and `lock --check`
reads include lines and local paths only.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from reproenv.fsutil import read_user_text

if TYPE_CHECKING:
    from packaging.requirements import Requirement

INCLUDE_OPTIONS = ("--requirement", "--constraint")
INDEX_OPTIONS = ("--index-url", "--extra-index-url")
# pip's short spellings of the options reproenv reads, by their long name
_SHORT_OPTIONS = {
    "-r": "--requirement",
    "-c": "--constraint",
    "-e": "--editable",
    "-i": "--index-url",
    "-f": "--find-links",
}
_COMMENT = re.compile(r"(^|\s)#.*$")
_VCS = re.compile(r"^(git|hg|svn|bzr)\+")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:")
_FILE_URL = re.compile(r"^file:(//localhost)?(//)?")
# what pip takes for a path rather than a name: ./x, ../x, /x, C:\x, and . or .. alone
_PATH = re.compile(r"^(\.{1,2}/|/|[A-Za-z]:\\)|^\.{1,2}$")
_PATH_OR_URL = re.compile(rf"{_PATH.pattern}|^\.{{1,2}}\s*;|{_URL.pattern}|{_VCS.pattern}")


class Source(Enum):
    """Where a requirement installs from; only INDEX pins by name, version and hash."""

    INDEX = "index"  # a name (extras, versions, marker) resolved from a package index
    VCS = "vcs"  # git+, hg+, svn+ or bzr+ URL
    LOCAL = "local"  # a path, or a file: URL
    URL = "url"  # any other direct URL (`name @ https://…/x.whl`)


@dataclass(frozen=True)
class RequirementLine:
    """One logical line of a requirements file: continuations joined, comment dropped.

    An option line has `option` (its long name: "--requirement", "--editable", …) and `value`
    (its argument); a requirement line has `value` (the requirement without its options) and
    the `--hash` values that follow it.
    """

    number: int
    text: str
    option: str | None = None
    value: str = ""
    hashes: tuple[str, ...] = ()

    @property
    def editable(self) -> bool:
        return self.option == "--editable"

    @property
    def is_option(self) -> bool:
        """A pip option other than -e, which names a requirement of its own."""
        return self.option is not None and not self.editable

    @property
    def include(self) -> str | None:
        """The file a -r / -c line includes, relative to the including file."""
        return self.value if self.option in INCLUDE_OPTIONS and self.value else None

    @cached_property
    def requirement(self) -> Requirement | None:
        """The PEP 508 requirement of a requirement line (None: an option, path, URL, or a
        line that is not valid PEP 508, which the resolver reports in its own words)."""
        if self.option is not None or not self.value or _PATH_OR_URL.match(self.value):
            return None
        return parse_requirement(self.value)

    @cached_property
    def target(self) -> str | None:
        """The URL or path the line installs from, without its marker; None for a name."""
        if self.is_option:
            return None
        if self.editable or _PATH_OR_URL.match(self.value):
            return self.value.split(";", 1)[0].strip() or None
        if "@" not in self.value:
            return None  # no direct reference: spares parsing the line
        requirement = self.requirement
        return requirement.url if requirement is not None and requirement.url else None

    @property
    def local_path(self) -> str | None:
        """The path of a local path requirement (`.`, `-e ./libs/foo`, `foo @ file:./libs/foo`)."""
        target = self.target
        if target is None:
            return None
        path = _FILE_URL.sub("", target) if target.startswith("file:") else target
        return path if _PATH.match(path) else None

    @property
    def source(self) -> Source | None:
        """None for an option, an editable name, or a line that is not a requirement."""
        target = self.target
        if target is None:
            return Source.INDEX if self.requirement is not None else None
        if _VCS.match(target):
            return Source.VCS
        if self.local_path is not None:
            return Source.LOCAL
        if _URL.match(target) or self.requirement is not None:
            return Source.URL  # `name @ anything` is a direct reference
        return None

    @property
    def is_git(self) -> bool:
        return self.target is not None and self.target.startswith("git+")

    @property
    def pin(self) -> tuple[str, str] | None:
        """(name as written, version) of an index requirement pinned to one version by `==`."""
        requirement = self.requirement
        if requirement is None or requirement.url:
            return None
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==":
            return None
        version = specifiers[0].version
        return None if "*" in version else (requirement.name, version)


def parse_requirement(text: str) -> Requirement | None:
    """A PEP 508 requirement, or None when `text` is not one."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text)
    except (InvalidRequirement, RecursionError):
        return None


def requirement_error(text: str) -> str | None:
    """Why `text` is not a PEP 508 requirement; None when it is one."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(text)
    except InvalidRequirement as exc:
        return str(exc)
    return None


def canonical_name(name: str) -> str:
    """A distribution name as PEP 503 compares them: lower case, runs of -_. as one -."""
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def parse_line(text: str, number: int = 0) -> RequirementLine:
    """One logical line (see `split_logical`) as pip reads it."""
    text = text.strip()
    if text.startswith("-"):
        option, value = _option(text)
        return RequirementLine(number, text, option, value)
    # as pip does: the requirement ends at the first word that starts with "-"
    words = text.split()
    first_option = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    requirement = " ".join(words[:first_option])
    return RequirementLine(number, text, None, requirement, _hashes(words[first_option:]))


def _option(text: str) -> tuple[str, str]:
    """(long name, argument) of an option line: `-r x`, `--requirement=x`, `-i=url`."""
    words = _words(text)
    first = words[0]
    if first.startswith("--") and "=" in first:
        name, value = first.split("=", 1)
    elif first[:2] in _SHORT_OPTIONS and first[2:3] == "=":
        name, value = first[:2], first[3:]
    else:
        name, value = first, (words[1] if len(words) > 1 else "")
    return _SHORT_OPTIONS.get(name, name), value


def _words(text: str) -> list[str]:
    if not any(quote in text for quote in "'\"\\"):
        return text.split()  # what shlex would say, without its per-character cost
    try:
        return shlex.split(text) or [text]
    except ValueError:  # an unclosed quote: pip would refuse it; read it word by word
        return text.split()


def _hashes(words: list[str]) -> tuple[str, ...]:
    """The `--hash=sha256:…` (or `--hash sha256:…`) values among a requirement's options."""
    found: list[str] = []
    for index, word in enumerate(words):
        if word.startswith("--hash="):
            found.append(word.split("=", 1)[1])
        elif word == "--hash" and index + 1 < len(words):
            found.append(words[index + 1])
    return tuple(found)


def split_logical(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each requirement, continuations joined, comments dropped."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        text = _COMMENT.sub("", raw).rstrip()
        if not pending:
            start = number
        if text.endswith("\\"):
            pending.append(text[:-1])
            continue
        joined = " ".join([*pending, text]).strip()
        pending = []
        if joined:
            lines.append((start, joined))
    return lines


def parse_lines(text: str) -> list[RequirementLine]:
    return [parse_line(line, number) for number, line in split_logical(text)]


def read_lines(path: Path) -> list[RequirementLine]:
    """The logical lines of a requirements file the user wrote."""
    return parse_lines(read_user_text(path))
