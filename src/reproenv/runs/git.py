"""The project's code as git knows it: HEAD, whether the tree differs, and a hash of how.

The run's own files are left out of "dirty": the records folder and the spec's declared outputs
(the run writes them, so they always differ afterwards). Untracked files count (a new script
changes what runs), and their bytes enter the diff hash with `git diff HEAD --binary`.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from reproenv.runs.model import CodeState

# git args, project folder -> the finished process (a seam: tests pass a fake)
Git = Callable[[Sequence[str], Path], "subprocess.CompletedProcess[bytes]"]
RECORDS_DIR = ".reproenv/runs"


def run_git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "-c", "core.quotePath=false", *args], cwd=cwd, capture_output=True, check=False
    )


def _pathspecs(excluded: Iterable[str]) -> list[str]:
    return ["--", ":/", *(f":(exclude){path.rstrip('/')}" for path in excluded)]


def not_git(note: str) -> CodeState:
    return CodeState(commit=None, dirty=None, diff_hash=None, changed=(), note=note)


def collect_code(
    project_dir: Path, outputs: Iterable[str] = (), git: Git | None = None
) -> CodeState:
    git = git or run_git
    try:
        head = git(["rev-parse", "--verify", "HEAD"], project_dir)
    except FileNotFoundError:
        return not_git("git is not installed: the code's revision is not recorded")
    if head.returncode != 0:
        inside = git(["rev-parse", "--is-inside-work-tree"], project_dir)
        if inside.returncode != 0:
            return not_git("the project is not in a git repository: its revision is not recorded")
        return not_git("the git repository has no commit yet: its revision is not recorded")
    commit = head.stdout.decode().strip()
    specs = _pathspecs([RECORDS_DIR, *outputs])
    status = git(["status", "--porcelain=v1", "-z", "--untracked-files=all", *specs], project_dir)
    changed = tuple(sorted(_status_paths(status.stdout)))
    if not changed:
        return CodeState(commit=commit, dirty=False, diff_hash=None, changed=(), note=None)
    return CodeState(
        commit=commit,
        dirty=True,
        diff_hash=diff_hash(project_dir, specs, git),
        changed=changed,
        note=None,
    )


def _status_paths(output: bytes) -> list[str]:
    """Paths of `git status --porcelain=v1 -z`: `XY path\\0`, a rename followed by its source."""
    paths: list[str] = []
    fields = output.split(b"\0")
    index = 0
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:].decode("utf-8", "surrogateescape"))
        if entry[:1] in (b"R", b"C"):
            index += 1  # the source path of a rename or copy
    return paths


def diff_hash(project_dir: Path, specs: Sequence[str], git: Git) -> str:
    digest = hashlib.sha256(git(["diff", "HEAD", "--binary", *specs], project_dir).stdout)
    listing = ["ls-files", "--others", "--exclude-standard", "--full-name", "-z", *specs]
    untracked = git(listing, project_dir)
    top = git(["rev-parse", "--show-toplevel"], project_dir).stdout.decode().strip()
    for name in sorted(p for p in untracked.stdout.split(b"\0") if p):
        digest.update(b"untracked\0" + name + b"\0")
        path = Path(top) / name.decode("utf-8", "surrogateescape")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"sha256:{digest.hexdigest()}"
