"""An explicit `image.base` must carry the spec's Python: the lock's wheels are built for it.

A python:3.11 base with `python = "3.12"` locks cp312 wheels that pip in the image refuses
(as a hash mismatch, which reads like tampering). The pinned image says its Python in its config
(`PYTHON_VERSION`, as the official python images set it); an image without that is asked
(`python3 --version` in a throwaway container). When neither can be asked, the lock goes on
with a warning: it cannot be checked, which is not the same as wrong.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reproenv.errors import ReproenvError, bad_input
from reproenv.lock.model import Lock, LockedImage
from reproenv.spec.model import Spec

if TYPE_CHECKING:
    from reproenv.engine import ContainerEngine
    from reproenv.oci.client import RegistryClient

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.\d+)?")
UNCHECKED = "could not check the Python of image.base"  # the start of the warning it records


def check_base_python(
    spec: Spec,
    images: tuple[LockedImage, ...],
    registry: RegistryClient | None = None,
    previous: Lock | None = None,
    engine: ContainerEngine | None = None,
) -> tuple[str, ...]:
    """Raise `base-python-mismatch` (exit 2) when the base's Python is not the spec's; return
    the warnings of what could not be checked. A lock with the same digests and Python was
    checked already: its verdict is kept, so a relock needs no registry or engine."""
    if previous is not None and previous.images == images and previous.python == spec.python:
        return tuple(w for w in previous.warnings if w.startswith(UNCHECKED))
    warnings: list[str] = []
    for image in images:
        found, why = _python_of(spec, image, registry, engine)
        if found is None:
            warnings.append(
                f"{UNCHECKED} {image.reference} ({image.platform}): {why}; make sure it runs "
                f'Python {spec.python} (python = "{spec.python}" in {spec.source.name}), or '
                "its pip will refuse the locked wheels"
            )
            continue
        match = _VERSION.match(found)
        if match and f"{match[1]}.{match[2]}" != spec.python:
            raise bad_input(
                f'{spec.source.name}: python = "{spec.python}", but image.base '
                f"{image.reference} ({image.platform}) runs Python {found}: the locked wheels "
                "would not install in it",
                "base-python-mismatch",
                f'set python = "{match[1]}.{match[2]}", or choose a base with Python '
                f"{spec.python} (or remove image.base: the default follows python)",
                file=str(spec.source),
                key="image.base",
                image=image.reference,
            )
    return tuple(warnings)


def _python_of(
    spec: Spec, image: LockedImage, registry: RegistryClient | None, engine: ContainerEngine | None
) -> tuple[str | None, str]:
    """(the image's Python version, or None and why it is unknown)."""
    from reproenv.oci.client import RegistryClient
    from reproenv.oci.manifest import python_version_of
    from reproenv.oci.reference import ImageRef

    reason = "its config names no PYTHON_VERSION"
    try:
        client = registry or RegistryClient(mirror=spec.registry_mirror)
        ref = ImageRef.parse(image.reference).with_digest(image.digest)
        declared = python_version_of(client.config(ref))
    except ReproenvError as error:  # a registry away: the engine may still tell
        declared, reason = None, f"its config could not be read ({error.message})"
    if declared:
        return declared, ""
    return _ask_engine(spec, image, engine, reason)


def _ask_engine(
    spec: Spec, image: LockedImage, engine: ContainerEngine | None, reason: str
) -> tuple[str | None, str]:
    from reproenv.engine import open_engine
    from reproenv.oci.reference import pull_reference

    engine = engine or open_engine()
    try:
        engine.info()
    except ReproenvError as error:
        return None, f"{reason}, and no Docker engine answered to run python3 in it ({error})"
    pinned = pull_reference(image.reference, image.digest, spec.registry_mirror)
    platform = image.platform
    result = engine.capture(
        ["run", "--rm", "--platform", platform, "--entrypoint", "python3", pinned, "--version"]
    )
    output = (result.stdout + result.stderr).strip()
    found = re.search(r"Python (\d+\.\d+(?:\.\d+)?)", output)
    if result.returncode == 0 and found:
        return found[1], ""
    if result.returncode in (126, 127) or "executable file not found" in output:
        raise bad_input(
            f"image.base {image.reference} ({image.platform}) has no python3 on its PATH: the "
            "image's environment is made with it",
            "base-without-python",
            f"choose a base with Python {spec.python}, or remove image.base (the default "
            "follows python)",
            file=str(spec.source),
            key="image.base",
            image=image.reference,
        )
    tail = " / ".join(output.splitlines()[-2:]) or f"exit {result.returncode}"
    return None, f"{reason}, and running python3 --version in it failed ({tail})"
