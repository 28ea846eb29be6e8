"""A cold `reproenv lock`'s uv, started from reproenv.toml alone before the rest of reproenv
loads. Loading pydantic and the spec and lock models takes about 0.2 s, while uv spends most
of its resolve waiting on the index; the spec file of a project without a lock (`reproenv
init`'s, say) usually tells the command it leads to, so uv can wait while they load.

The early run is only a guess, read with the standard library from the plain keys it knows
(anything else: no guess). The uv backend takes it only for the very command, environment and
folder it would run uv with itself, before it has written anything into its output file
(`take_early`); an early run not taken is stopped when the command ends (`discard_early`). A
wrong guess (a local project's build backends, a GPU build index, a hashed input used as it
is) costs a run beside the lock's own, never a different lock.

Everything before uv starts counts against the lock's time, so this module and what it imports
load only `os`, `tomllib`, `subprocess`, `threading` and `shutil` (uv_command's `which`): no
pathlib (os.path instead), no tempfile (its own private folder), no dataclasses. Loading those
is about 40 ms here.
"""

from __future__ import annotations

import os
import threading
import tomllib
from collections.abc import Callable, Mapping
from subprocess import DEVNULL, PIPE, Popen
from typing import TYPE_CHECKING, Any

from reproenv.lock.names import LOCK_FILE
from reproenv.lock.pip.uv_command import compile_command, index_selections, isolated_env
from reproenv.settings import ca_cert_in_env

if TYPE_CHECKING:
    from pathlib import Path

# the file name of spec/model.py, whose pydantic this module must not load
# (tests/unit/lock/test_uv_early.py checks they agree)
SPEC_FILE = "reproenv.toml"
MAX_SPEC_BYTES = 1 << 20  # larger than any spec: not guessed from
# the pip keys whose uv options index_selections knows; any other pip key: no guess
_PIP_KEYS = {"requirements", "pyproject", "index-url", "extra-index-urls", "exclude-newer",
             "only-wheels"}  # fmt: skip
# where tempfile would make a folder: tempfile itself, like pathlib, loads modules that take
# longer than the rest of what comes before uv starts
_TEMP_VARIABLES = ("TMPDIR", "TEMP", "TMP")


class EarlyRun:
    """One early uv: its command, folder (cwd) and environment, and the private folder that
    holds its output file."""

    def __init__(
        self,
        command: list[str],
        cwd: str,
        env: dict[str, str],
        scratch: str,
        output: str,
        process: Popen[str],
    ) -> None:
        self.command, self.cwd, self.env = command, cwd, env
        self.scratch_dir, self.output_file, self.process = scratch, output, process
        self.taken = False

    @property
    def scratch(self) -> Path:
        from pathlib import Path

        return Path(self.scratch_dir)

    @property
    def output(self) -> Path:
        from pathlib import Path

        return Path(self.output_file)

    def finish(self, started: Callable[[], None]) -> tuple[int, str]:
        """Wait for it as lock/pip/uv.py waits for a uv it starts: its exit code and stderr."""
        started()
        try:
            _, stderr = self.process.communicate()
        except BaseException:  # Ctrl-C included: no uv is left running
            self.process.kill()
            raise
        return self.process.returncode, stderr


_OUTPUT = "pylock.toml"
_runs: list[EarlyRun] = []
_guard = threading.Lock()


def start_early(project: str | os.PathLike[str], *, upgrade: bool = False) -> None:
    """Start uv for each platform of `project` when it has no lock yet and its reproenv.toml
    tells the command; nothing otherwise. Never an error: the lock says what is wrong, when it
    runs in full."""
    folder = os.fspath(project)
    try:
        guess = _guess(folder)
    except (OSError, ValueError):  # unreadable, not UTF-8 or not TOML: the lock says so
        return
    if guess is None:
        return
    python, platforms, selections, inputs = guess
    ca_cert = ca_cert_in_env()
    for platform in platforms:
        try:
            scratch = _scratch_folder()
        except OSError:
            return
        output = os.path.join(scratch, _OUTPUT)
        try:
            command = compile_command(
                python, platform, output, selections, inputs, upgrade_all=upgrade
            )
            env = isolated_env(ca_cert)
            process = Popen(command, cwd=folder, env=env, stdout=DEVNULL, stderr=PIPE, text=True)
        # a platform uv is not given, a bad setting, no uv to start: whatever it is, the lock
        # meets it again and says so
        except Exception:
            os.rmdir(scratch)
            return
        with _guard:
            _runs.append(EarlyRun(command, folder, env, scratch, output, process))


def early_run_waiting() -> bool:
    """Whether an early run is under way and not taken yet."""
    with _guard:
        return any(not run.taken for run in _runs)


def take_early(
    command: list[str], output: Path, cwd: Path, env: Mapping[str, str]
) -> EarlyRun | None:
    """The early run of this very command (its output file in place of `output`), in the
    same folder with the same environment; None when there is none. Taken once."""
    if output.exists():  # preferences written into it: the early run has none
        return None
    with _guard:
        for run in _runs:
            same = [run.output_file if arg == str(output) else arg for arg in command]
            if not run.taken and same == run.command and str(cwd) == run.cwd and env == run.env:
                run.taken = True
                return run
    return None


def discard_early() -> None:
    """Stop every early run not taken, and remove every early run's files."""
    with _guard:
        runs = list(_runs)
        _runs.clear()
    if not runs:
        return
    import shutil

    for run in runs:
        if not run.taken:  # a taken run was waited for by its taker
            run.process.kill()
            run.process.communicate()
        shutil.rmtree(run.scratch_dir, ignore_errors=True)


def _scratch_folder() -> str:
    """A new folder only this user can enter, where tempfile would make one."""
    named = [os.environ[name] for name in _TEMP_VARIABLES if os.environ.get(name)]
    base = named[0] if named else "/tmp"  # noqa: S108 - a private folder: mode 0700, random name
    folder = os.path.join(base, f"reproenv-{os.urandom(6).hex()}")
    os.mkdir(folder, 0o700)
    return folder


def _guess(project: str) -> tuple[str, list[str], list[str], list[str]] | None:
    """(python, the platforms, uv's index options, the requirement files) as loading the spec
    would make them, from the keys that decide them; None where anything else might count."""
    spec_file = os.path.join(project, SPEC_FILE)
    if os.path.exists(os.path.join(project, LOCK_FILE)) or not os.path.isfile(spec_file):
        return None
    with open(spec_file, "rb") as handle:
        raw = handle.read(MAX_SPEC_BYTES + 1)
    if len(raw) > MAX_SPEC_BYTES:
        return None
    data = tomllib.loads(raw.decode("utf-8"))
    python, platforms, pip = data.get("python"), data.get("platforms"), data.get("pip")
    if "conda" in data or not isinstance(python, str) or not isinstance(pip, dict):
        return None
    if not _strings(platforms) or not platforms or len(set(platforms)) != len(platforms):
        return None
    requirements = pip.get("requirements")
    if not _strings(requirements) or not requirements or set(pip) - _PIP_KEYS:
        return None
    if pip.get("pyproject", False) is not False:
        return None
    index_url, extra = pip.get("index-url"), pip.get("extra-index-urls", [])
    exclude_newer, only_wheels = pip.get("exclude-newer"), pip.get("only-wheels", False)
    if not (index_url is None or isinstance(index_url, str)) or not _strings(extra):
        return None
    if not (exclude_newer is None or isinstance(exclude_newer, str)):
        return None
    if not isinstance(only_wheels, bool):
        return None
    selections = index_selections(index_url, extra, (), exclude_newer, only_wheels)
    return python, list(platforms), selections, list(requirements)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
