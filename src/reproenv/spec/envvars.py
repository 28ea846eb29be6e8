"""Environment variables in spec and requirement-file values, expanded as pip and uv expand
them. Its own module, importing only `os` and `re`: a cold `reproenv lock` expands its index URLs
before it starts uv (lock/pip/uv_early.py), ahead of the requirement model."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def expand_env(text: str, env: Mapping[str, str] | None = None) -> str:
    """${VAR} and $VAR, as pip and uv expand them in requirement files; unknown ones stay."""
    values = os.environ if env is None else env
    return _VARIABLE.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), text)
