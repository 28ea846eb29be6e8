"""The CycloneDX document, made and checked with cyclonedx-python-lib.

Same lock, same bytes: the serial number is derived from the lock's hash, the timestamp is the
lock's SOURCE_DATE_EPOCH (or the one given), every component carries its own bom-ref (the
library would otherwise draw random ones) and the library sorts components, hashes and
properties. The document is validated against the library's strict CycloneDX 1.6 JSON schema
before anyone gets it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from reproenv import __version__
from reproenv.errors import ReproenvError
from reproenv.lock.model import Lock, content_hash
from reproenv.sbom.components import BUILDER_ROLES, Item, lock_items

SCHEMA = SchemaVersion.V1_6
# uuid5's namespace for reproenv's serial numbers: a fixed value, so a lock maps to one serial
_SERIAL_NAMESPACE = uuid.UUID("6f1c1a5e-2b7d-5c4e-9a3f-0d1e2f3a4b5c")
_ALGORITHMS = {"SHA-256": HashAlgorithm.SHA_256, "MD5": HashAlgorithm.MD5}
_KINDS = {"library": ComponentType.LIBRARY, "container": ComponentType.CONTAINER}


def serial_number(lock_hash: str) -> uuid.UUID:
    return uuid.uuid5(_SERIAL_NAMESPACE, lock_hash)


def purl(item: Item) -> PackageURL:
    return PackageURL(
        type=item.purl_type,
        namespace=item.namespace,
        name=item.name,
        version=item.version,
        qualifiers=dict(item.qualifiers) or None,
    )


def bom_ref(item: Item) -> str:
    """The purl, unique but for a builder-stage pin of a package the environment also has."""
    text = purl(item).to_string()
    return f"{item.role}:{text}" if item.role in BUILDER_ROLES else text


def _component(item: Item) -> Component:
    return Component(
        type=_KINDS[item.kind],
        name=item.name,
        version=item.version,
        purl=purl(item),
        bom_ref=bom_ref(item),
        hashes=[HashType(alg=_ALGORITHMS[alg], content=value) for alg, value in item.hashes],
        properties=[Property(name=name, value=value) for name, value in item.properties],
        scope=ComponentScope.EXCLUDED if item.role in BUILDER_ROLES else None,
    )


def make_bom(lock: Lock, lock_hash: str, name: str, timestamp: int) -> Bom:
    """`lock_hash`: the lock file's hash (the image tag's); `name`: the project's."""
    root = Component(
        type=ComponentType.CONTAINER,
        name=name,
        version=lock_hash[:12],
        bom_ref=f"reproenv:image:{name}:{lock_hash[:12]}",
        properties=[
            Property(name="reproenv:lock-hash", value=lock_hash),
            Property(name="reproenv:lock-content-hash", value=content_hash(lock)),
        ],
    )
    tool = Component(type=ComponentType.APPLICATION, name="reproenv", version=__version__)
    metadata = BomMetaData(
        component=root,
        timestamp=datetime.fromtimestamp(timestamp, UTC),
        tools=ToolRepository(components=[tool]),
    )
    items = lock_items(lock)
    components = [_component(item) for item in items]
    bom = Bom(components=components, metadata=metadata, serial_number=serial_number(lock_hash))
    # the environment's packages and the base are what the image holds; builder pins are not
    bom.register_dependency(root, [c for c in components if c.scope is None])
    for component in components:
        bom.register_dependency(component)  # no edges the lock does not record
    return bom


def render(bom: Bom) -> str:
    text = JsonV1Dot6(bom).output_as_string(indent=2) + "\n"
    check(text)
    return text


def check(text: str) -> None:
    """Validate against the strict CycloneDX schema; a failure is reproenv's bug."""
    error = JsonStrictValidator(SCHEMA).validate_str(text)
    if error is not None:
        raise ReproenvError(
            f"the SBOM reproenv made does not validate against CycloneDX {SCHEMA.to_version()}:"
            f" {error}",
            "sbom-invalid",
            "report this as a bug in reproenv, with the lock",
        )


def sbom_json(lock: Lock, lock_hash: str, name: str, timestamp: int) -> str:
    return render(make_bom(lock, lock_hash, name, timestamp))
