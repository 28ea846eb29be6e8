"""Which tags a published image gets: the lock hash, the git commit of a clean tree, a release."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from reproenv.errors import bad_input
from reproenv.runs.model import CodeState

TAG_RE = re.compile(r"[\w][\w.-]{0,127}")  # docker/distribution's tag grammar
COMMIT_TAG_LENGTH = 12  # git-<12 hex>: short, and unique in any repository of a sane size


@dataclass(frozen=True)
class ChosenTags:
    tags: tuple[str, ...]  # the lock hash's first, as pushed
    commit: str | None  # the clean tree's commit, when tagged
    note: str | None  # why there is no git tag


def lock_tag(image_tag: str) -> str:
    """The hash part of the image's local tag (`name:<hash>[-arch]`): what every build of this
    lock is called, so the registry names it the same way."""
    return image_tag.rsplit(":", 1)[1]


def checked_tag(value: str, option: str) -> str:
    text = value.strip()
    if not TAG_RE.fullmatch(text):
        raise bad_input(
            f"{option} {value!r} is not a valid tag",
            "bad-tag",
            "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'",
            argument=option,
        )
    return text


def choose_tags(
    image_tag: str, code: CodeState, *, release: str | None, extra: Sequence[str] = ()
) -> ChosenTags:
    tags = [lock_tag(image_tag)]
    commit, note = None, code.note
    if code.commit and code.dirty is False:
        commit = code.commit
        tags.append(f"git-{commit[:COMMIT_TAG_LENGTH]}")
    elif code.commit:
        shown = ", ".join(code.changed[:3]) + (", …" if len(code.changed) > 3 else "")
        note = (
            f"the git tree has uncommitted changes ({shown}): no git-<commit> tag, since the "
            "image was not built from a commit alone; commit them and build again for one"
        )
    if release is not None:
        tags.append(checked_tag(release, "--release"))
    tags += [checked_tag(tag, "--tag") for tag in extra]
    return ChosenTags(tuple(dict.fromkeys(tags)), commit, note)
