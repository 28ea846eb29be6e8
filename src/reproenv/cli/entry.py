"""The `reproenv` executable. Two command lines skip the CLI framework, whose import and parse
take longer than what they wait on: a repeated `lock --check`, or `lock` on a lock with nothing
to change, is answered from its stamp (lock/stamp.py), and any other `lock` with only plain
flags starts its resolver without typer. Every other command line, and anything the stamp
cannot answer, runs the CLI (cli/main.py).

What a cold `lock` does before its uv starts counts against the lock's time: this module loads
only `os` and `sys` besides the built-in `atexit` and `gc` (no pathlib), and a project without
reproenv.lock skips the stamp, which cannot answer without one."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Sequence

# rich colours a terminal's output; the answer below is the plain text it writes elsewhere
_COLOUR_SETTINGS = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
# the `lock` flags read here, each with the parameter of the `lock` command it sets
LOCK_FLAGS = {
    "--check": "check",
    "--json": "as_json",
    "--upgrade": "upgrade",
    "-U": "upgrade",
    "--explain-gpu": "explain_gpu",
}
# what `lock --json` prints when the lock had nothing to change and nothing to warn of
UNCHANGED = {"changed": False, "warnings": []}
# shell completion runs through typer, whatever the command line: click names its variable
# after the program, as here (not a reproenv setting)
_COMPLETION = f"_{'reproenv'.upper()}_COMPLETE"


def run() -> None:
    """The `reproenv` executable: main(), then the end of the process without the interpreter's
    teardown, which frees the objects of some 500 modules one by one (about 12 ms after a lock)
    where the process's end frees them at once. Every exit handler registered after this one has
    run by then; its exit status is main's."""
    status = [0]
    atexit.register(_end_now, status)  # the first registered runs last
    try:
        main()
    except SystemExit as exiting:
        code = exiting.code
        status[0] = code if isinstance(code, int) else (0 if code is None else 1)
        raise
    except KeyboardInterrupt:
        status[0] = 130
        raise
    except BaseException:  # a traceback: printed before the exit handlers run
        status[0] = 1
        raise


def _end_now(status: list[int]) -> None:
    from contextlib import suppress

    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # closed, or a pipe nobody reads: as Python ends
            stream.flush()
    os._exit(status[0])


def main() -> None:
    parsed = lock_args(sys.argv[1:])
    if parsed is not None and _has_lock(parsed[0]) and _answered(*parsed):
        return
    try:
        if parsed is not None and "check" not in parsed[1]:
            _lock(*parsed)
        else:
            from reproenv.cli.main import run

            run()
    finally:
        # the interpreter's last collection would walk every object the modules made (about
        # 50 ms after a lock); the process is ending and nothing it holds needs collecting
        gc.freeze()


def _has_lock(project: str) -> bool:
    from reproenv.lock.names import LOCK_FILE

    return os.path.exists(os.path.join(project, LOCK_FILE))


def _lock(project: str, flags: frozenset[str]) -> None:
    from reproenv.lock.pip.uv_early import discard_early, start_early

    # uv resolves while the rest loads, when the spec file tells its command (uv_early.py)
    start_early(project, upgrade="upgrade" in flags)
    try:
        from pathlib import Path

        from reproenv.cli.lock_run import run_lock
        from reproenv.cli.output import exiting_on_errors

        exiting_on_errors(
            lambda: run_lock(
                Path(project),
                upgrade="upgrade" in flags,
                explain_gpu="explain_gpu" in flags,
                as_json="as_json" in flags,
            )
        )
    finally:
        discard_early()


def _answered(project: str, flags: frozenset[str]) -> bool:
    """`lock --check`, or a `lock` with nothing to change, on a project whose stamp holds
    (`--json` and `--project` allowed): print what the full command prints then, and say it was
    answered. A plain `lock` is answered only while the lock has no warnings to list."""
    if not flags <= {"check", "as_json"}:
        return False
    if sys.stderr.isatty() or any(os.environ.get(name) for name in _COLOUR_SETTINGS):
        return False
    from reproenv.lock.stamp import FRESH_RESULT, stamped_fresh

    check = "check" in flags
    if not stamped_fresh(project, quiet=not check):
        return False
    if "as_json" in flags:
        import json

        print(json.dumps(FRESH_RESULT) if check else json.dumps(UNCHANGED, indent=2))
    print("reproenv: reproenv.lock is up to date", file=sys.stderr)
    return True


def lock_args(args: Sequence[str]) -> tuple[str, frozenset[str]] | None:
    """`lock` with at most one `--project DIR` and the flags in LOCK_FLAGS, each once: the
    project folder (resolved, as typer resolves it: Path.resolve is os.path.realpath) and the
    parameters set. None for any other command line: the CLI reads it, and says what it makes
    of anything unusual."""
    if args[:1] != ["lock"] or os.environ.get(_COMPLETION):
        return None
    projects: list[str] = []
    flags: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg in ("--project", "-p"):
            projects.append(next(rest, ""))
        elif arg.startswith("--project="):
            projects.append(arg.removeprefix("--project="))
        elif arg in LOCK_FLAGS:
            flags.append(LOCK_FLAGS[arg])
        else:
            return None
    if len(projects) > 1 or len(set(flags)) != len(flags):
        return None
    project = projects[0] if projects else "."
    if not project or project.startswith("-") or not os.path.isdir(project):
        return None
    return os.path.realpath(project), frozenset(flags)
