"""`reproenv verify`: find (or pull) the image, read its saved layers, compare with the lock.

The image is read from `docker image save`, never run: an image for another platform is
verified without an emulator, and nothing the image would do at start can hide a difference.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from reproenv.build.fingerprint import save_image
from reproenv.build.record import read_record
from reproenv.engine import ContainerEngine
from reproenv.errors import bad_input
from reproenv.lock.model import Lock
from reproenv.plan.conda import CONDA_PREFIX
from reproenv.plan.model import VENV
from reproenv.verify.compare import compare
from reproenv.verify.contents import read_contents
from reproenv.verify.expected import expected_from_lock
from reproenv.verify.report import Verification


def find_image(engine: ContainerEngine, image: str) -> dict[str, Any]:
    """The image's inspect record; an image the engine lacks is pulled (a registry reference,
    by digest or tag), as `docker run` would."""
    inspected = engine.image_inspect(image)
    if inspected is not None:
        return inspected
    if not image.startswith("sha256:"):  # an ID names nothing a registry has
        pulled = engine.capture(["pull", "--quiet", image])
        inspected = engine.image_inspect(image) if pulled.returncode == 0 else None
        if inspected is not None:
            return inspected
        detail = (pulled.stderr or "").strip().splitlines()
        reason = f": {detail[-1]}" if detail else ""
    else:
        reason = ""
    raise bad_input(
        f"no image {image} on this engine, and none could be pulled{reason}",
        "image-missing",
        "name an image by its tag, ID or registry reference (REGISTRY/REPO@sha256:...), or "
        "build it with `reproenv build`",
        image=image,
    )


def verify_image(
    engine: ContainerEngine,
    image: str,
    lock: Lock,
    *,
    lock_name: str,
    lock_hash: str,
    cache: Path | None,
) -> Verification:
    inspected = find_image(engine, image)
    image_id = str(inspected.get("Id", image))
    with tempfile.TemporaryDirectory(prefix="reproenv-verify-") as scratch:
        archive = Path(scratch) / "image.tar"
        save_image(engine, image_id, archive)  # by ID: a by-digest name is not savable everywhere
        contents = read_contents(archive, venv=VENV, prefix=CONDA_PREFIX)
    platform = contents.platform or "unknown"
    expected = expected_from_lock(lock, lock_hash, platform)
    recorded = read_record(cache, image_id) if cache is not None else None
    return Verification(
        image=image,
        image_id=image_id,
        platform=contents.platform,
        lock=lock_name,
        lock_hash=lock_hash,
        comparison=compare(expected, contents, recorded),
    )
