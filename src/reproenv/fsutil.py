"""Atomic file writes (a reader sees the old file or the new one, never half of either), and
reading the user's files with errors that name them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from reproenv.errors import bad_input


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    # fsync the directory so the rename itself survives a crash
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_stale_temps(path: Path) -> None:
    """Temp files a killed writer left beside `path`. Call only while holding the writer lock."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def read_user_text(path: Path) -> str:
    """A file the user wrote (requirements, specs, lock inputs) as text, newlines as in text
    mode. Bytes that are not UTF-8 are their mistake: named with the file and line, not a
    traceback. A missing file raises FileNotFoundError, for callers with their own message."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise bad_input(
            f"cannot read {path.name}: {exc.strerror or exc}",
            "unreadable-file",
            "check the file's permissions",
            file=str(path),
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise bad_input(
            f"{path.name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column})",
            "not-utf8",
            f"save {path.name} as UTF-8, e.g. `iconv -f latin1 -t utf-8`",
            file=str(path),
            line=str(line),
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
