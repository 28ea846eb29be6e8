"""The one exception root. `cli/` turns these into output and exit codes, nowhere else."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # a check found staleness or drift
    BAD_INPUT = 2  # the user's files or arguments are wrong, or cannot be resolved
    ENVIRONMENT = 3  # the machine lacks something: engine, registry, network
    INTERRUPTED = 130


@dataclass
class ReproenvError(Exception):
    """A failure a user can act on.

    `reference` is a stable kebab-case name (for docs and scripts), `context` names the file,
    line, key, package or image involved, and `hint` says what to do about it.
    """

    message: str
    reference: str = "reproenv-error"
    hint: str = ""
    context: dict[str, str] = field(default_factory=dict)
    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __post_init__(self) -> None:
        # redacted once, here: messages quote URLs and commands that may carry credentials
        self.message = redact(self.message)
        self.hint = redact(self.hint)
        self.context = {key: redact(value) for key, value in self.context.items()}
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def bad_input(message: str, reference: str, hint: str = "", **context: str) -> ReproenvError:
    return ReproenvError(message, reference, hint, dict(context), ExitCode.BAD_INPUT)


def environment(message: str, reference: str, hint: str = "", **context: str) -> ReproenvError:
    return ReproenvError(message, reference, hint, dict(context), ExitCode.ENVIRONMENT)


# `://user[:password]@` after a scheme character. The match starts at "://", not at the
# scheme: a pattern that starts with `[a-zA-Z][a-zA-Z0-9+.-]*` is tried at every letter of a
# long word and rescans the rest of it each time (quadratic: minutes for a 200 kB line).
# The userinfo part is possessive: it cannot contain "@", so backing off never helps.
_URL_CREDENTIALS = re.compile(r"(?<=[a-zA-Z0-9+.-])://[^/@\s]*+@")
# `user:pass@host/…` typed without a scheme, at the start (an image reference, a mirror
# address); not a name before a digest (`python@sha256:…`)
_LEADING_USERINFO = re.compile(r"^(\s*)[^/@\s]+@(?![a-z0-9.+_-]+:[a-fA-F0-9]*\s*$)")


def redact(text: str, *, mask: str = "***", schemeless: bool = False) -> str:
    """Remove the credentials of URLs (index URLs, registry URLs): before text reaches any
    output they become `mask`; with `mask=""` the userinfo goes altogether, as index URLs go
    into the lock and the image. `schemeless` also masks a leading `user:pass@` without a
    scheme, as an image reference or registry address may be typed."""
    text = _URL_CREDENTIALS.sub(f"://{mask}@" if mask else "://", text)
    if schemeless:
        text = _LEADING_USERINFO.sub(rf"\g<1>{mask}@" if mask else r"\1", text)
    return text
