"""The image a run ran in, from the engine's inspect record."""

from __future__ import annotations

from typing import Any

from reproenv.runs.model import ImageState


def image_state(tag: str, inspect: dict[str, Any]) -> ImageState:
    return ImageState(
        tag=tag,
        id=str(inspect.get("Id", "")),
        repo_digests=tuple(sorted(str(d) for d in inspect.get("RepoDigests") or ())),
    )
