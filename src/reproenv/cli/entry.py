"""The `reproenv` executable. A repeated `lock --check` is answered from its stamp
(lock/stamp.py) before the CLI is imported: typer, pydantic and rich take longer to import
than the check takes. Everything else, and any check the stamp cannot answer, runs the CLI."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# rich colours a terminal's output; the answer below is the plain text it writes elsewhere
_COLOUR_SETTINGS = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def main() -> None:
    if _answered(sys.argv[1:]):
        return
    from reproenv.cli.main import run

    try:
        run()
    finally:
        # the interpreter's last collection would walk every object the modules made (about
        # 50 ms after a lock); the process is ending and nothing it holds needs collecting
        gc.freeze()


def _answered(args: Sequence[str]) -> bool:
    """`lock --check [--json] [--project DIR]` on a project whose stamp holds: print what the
    full check prints for a fresh lock and say it was answered."""
    project = _check_project(args)
    if project is None or sys.stderr.isatty() or any(os.environ.get(n) for n in _COLOUR_SETTINGS):
        return False
    from reproenv.lock.stamp import FRESH_RESULT, stamped_fresh

    if not stamped_fresh(project):
        return False
    if "--json" in args:
        import json

        print(json.dumps(FRESH_RESULT))
    print("reproenv: reproenv.lock is up to date", file=sys.stderr)
    return True


def _check_project(args: Sequence[str]) -> str | None:
    """The project folder of a plain `lock --check`; None for any other command line (the CLI
    then reads it, and says what it makes of anything unusual)."""
    if args[:1] != ["lock"]:
        return None
    flags = list(args[1:])
    if flags.count("--check") != 1 or flags.count("--json") > 1:
        return None
    rest = [arg for arg in flags if arg not in ("--check", "--json")]
    if not rest:
        project = "."
    elif len(rest) == 2 and rest[0] in ("--project", "-p"):
        project = rest[1]
    elif len(rest) == 1 and rest[0].startswith("--project="):
        project = rest[0].removeprefix("--project=")
    else:
        return None
    folder = Path(project)
    return str(folder.resolve()) if project and folder.is_dir() else None
