"""An environment file's `variables:` mapping (conda's `conda env config vars`), read with the
line of every name and merged across files as conda-lock merges them: a later file's value wins.

conda reads environment files as YAML 1.2 and exports each value as Python's `str()` of it, so
a plain `1_000` is "1000", `true` is "True", and `yes` stays "yes" (a YAML 1.1 boolean only).
Values may hold credentials: no message here ever shows one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from reproenv.errors import bad_input
from reproenv.spec.model import CondaVariable

INVALID = "conda-environment-invalid"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# what the image sets for the environment itself; a variable would break its activation
RESERVED = frozenset({"PATH", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "VIRTUAL_ENV"})
# YAML 1.2 core schema, as conda's reader resolves plain scalars
_NULL = re.compile(r"^(~|null|Null|NULL|)$")
_BOOL = {"true": "True", "True": "True", "TRUE": "True"}
_BOOL |= {"false": "False", "False": "False", "FALSE": "False"}
_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_OCT = re.compile(r"^0o[0-7_]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F_]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL = re.compile(r"^([-+]?)\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")


def read_variables(file: str, node: object) -> tuple[CondaVariable, ...]:
    """The `variables:` node of one file (None when it has none), in the file's order."""
    import yaml

    if node is None or (isinstance(node, yaml.ScalarNode) and _NULL.match(node.value)):
        return ()
    if not isinstance(node, yaml.MappingNode):
        raise _invalid(file, node, "variables", "write `variables:` followed by `NAME: value`")
    found: dict[str, CondaVariable] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else ""
        line = key.start_mark.line + 1
        if not NAME.match(str(name)):
            raise _invalid(file, key, "variables", "a variable's name is letters, digits and _")
        where = f"variables.{name}"
        if name in found:
            raise _invalid(file, key, where, f"it is also set at line {found[name].line}")
        if name in RESERVED:
            raise _invalid(file, key, where, f"the image sets {name} for the environment itself")
        found[name] = CondaVariable(
            name=name, value=_value(file, where, value), file=file, line=line
        )
    return tuple(found.values())


def merge_variables(parts: Iterable[tuple[CondaVariable, ...]]) -> tuple[CondaVariable, ...]:
    """Later files win per name; a name keeps the place it first had."""
    merged: dict[str, CondaVariable] = {}
    for part in parts:
        for variable in part:
            merged[variable.name] = variable
    return tuple(merged.values())


def _value(file: str, where: str, node: object) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise _invalid(file, node, where, "a variable's value is a string, a number or a boolean")
    text = str(node.value)
    if node.style is None:  # plain: resolved by the schema; quoted: a string as written
        if _NULL.match(text):
            raise _invalid(file, node, where, 'give it a value; write "" for an empty string')
        text = _plain(text)
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in text):
        raise _invalid(file, node, where, "a value is one line: no newlines or control characters")
    return text


def _plain(text: str) -> str:
    """`str()` of the plain scalar as YAML 1.2 resolves it."""
    if text in _BOOL:
        return _BOOL[text]
    digits = text.replace("_", "")
    if _INT.match(text):
        return str(int(digits))
    if _OCT.match(text):
        return str(int(digits[2:], 8))
    if _HEX.match(text):
        return str(int(digits[2:], 16))
    special = _SPECIAL.match(text)
    if special:
        return str(math.nan) if special[3] else str(float(f"{special[1]}inf"))
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return str(float(digits))
    return text


def _invalid(file: str, node: object, key: str, hint: str) -> Exception:
    mark = getattr(node, "start_mark", None)
    where = f"{file}:{mark.line + 1}" if mark is not None else file
    what = f"`{key}` is not what conda expects"
    return bad_input(f"{where}: {what}", INVALID, hint, file=file, key=key)
