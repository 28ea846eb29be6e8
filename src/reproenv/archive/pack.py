"""Write the archive: the image saved and laid out as OCI, the project's files, the records,
the SBOM and the manifest, in a fixed order with no dates or owners, atomically."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path

from reproenv import __version__
from reproenv.archive.contents import Contents
from reproenv.archive.manifest import (
    BUILD_RECORDS,
    IMAGE,
    MANIFEST,
    PROJECT,
    RUN_RECORDS,
    SBOM,
    ArchiveManifest,
    Member,
)
from reproenv.archive.oci_image import write_oci_image
from reproenv.archive.tario import add_bytes, add_file, atomic_output, sha256_bytes, sha256_file
from reproenv.build.fingerprint import save_image
from reproenv.engine import ContainerEngine
from reproenv.errors import bad_input
from reproenv.lock.model import Lock, content_hash
from reproenv.plan.model import BuildPlan


def _small_members(contents: Contents, sbom: str) -> dict[str, bytes]:
    """Everything but the image, by member name, in the archive's order."""
    members = {SBOM: sbom.encode()}
    for relative in contents.project_files:
        members[PROJECT + relative] = (contents.project_dir / relative).read_bytes()
    for record in contents.build_records:
        members[BUILD_RECORDS + record.name] = record.read_bytes()
    for record in contents.run_records:
        members[RUN_RECORDS + record.name] = record.read_bytes()
    return members


def write_archive(
    engine: ContainerEngine,
    plan: BuildPlan,
    lock: Lock,
    contents: Contents,
    sbom: str,
    output: Path,
) -> ArchiveManifest:
    inspected = engine.image_inspect(plan.image_tag)
    if inspected is None:
        raise bad_input(
            f"no image {plan.image_tag} for the current reproenv.lock",
            "image-missing",
            "run `reproenv build` first: the archive holds the image of the lock",
            image=plan.image_tag,
        )
    small = _small_members(contents, sbom)
    with tempfile.TemporaryDirectory(prefix="reproenv-archive-") as scratch:
        saved, image = Path(scratch) / "saved.tar", Path(scratch) / IMAGE
        save_image(engine, plan.image_tag, saved)
        with image.open("wb") as handle:
            layout = write_oci_image(saved, handle, plan.image_tag)
        saved.unlink()
        members = [Member(name, sha256_bytes(data), len(data)) for name, data in small.items()]
        members.append(Member(IMAGE, sha256_file(image), image.stat().st_size))
        manifest = ArchiveManifest(
            reproenv_version=__version__,
            name=plan.name,
            image_tag=plan.image_tag,
            image_id=str(inspected.get("Id", layout.image_id)),
            manifest_digest=layout.manifest_digest,
            lock_hash=plan.lock_hash,
            lock_content_hash=content_hash(lock),
            members=tuple(members),
        )
        with (
            atomic_output(output) as out,
            tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar,
        ):
            add_bytes(tar, MANIFEST, manifest.to_json())
            for name, data in small.items():
                add_bytes(tar, name, data)
            add_file(tar, IMAGE, image)  # last: a reader finds all else without reading it
    return manifest
