"""A TOML file a person wrote, read with its errors named by file and line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from reproenv.errors import bad_input
from reproenv.fsutil import read_user_text


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = read_user_text(path)
    except FileNotFoundError:
        raise bad_input(
            f"{path.name} not found",
            "missing-file",
            "create it, or run `reproenv init`",
            file=str(path),
        ) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = match.group(1) if match else "?"
        raise bad_input(
            f"{path.name}:{line}: TOML syntax error: {exc}",
            "toml-syntax",
            "fix the syntax at that line (strings need quotes, tables need [brackets])",
            file=str(path),
            line=line,
        ) from None
