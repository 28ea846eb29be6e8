"""The SBOM of a lock: valid CycloneDX (the library's own strict validator), every locked
package with its version, package URL and hashes, and the same bytes for the same lock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from reproenv.errors import ReproenvError
from reproenv.lock.model import Lock, lock_hash, read_lock
from reproenv.sbom.components import distribution, split_tag
from reproenv.sbom.document import check, sbom_json, serial_number

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
LOCKS = ["sklearn-cpu", "sklearn-cpu-pip", "conda-env", "cuda-base", "torch-gpu", "own-files"]


def load(name: str) -> tuple[Lock, str]:
    path = GOLDEN / name / "input" / "reproenv.lock"
    lock = read_lock(path)
    assert lock is not None
    return lock, lock_hash(path.read_text(encoding="utf-8"))


def document(name: str, timestamp: int = 315532800) -> tuple[Lock, str, dict[str, Any]]:
    lock, digest = load(name)
    text = sbom_json(lock, digest, "demo", timestamp)
    return lock, text, json.loads(text)


def by_purl(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["purl"]: c for c in doc["components"]}


def hashes(component: dict[str, Any], alg: str = "SHA-256") -> set[str]:
    return {h["content"] for h in component.get("hashes", []) if h["alg"] == alg}


@pytest.mark.parametrize("name", LOCKS)
def test_the_sbom_validates_against_the_cyclonedx_schema(name: str) -> None:
    _, text, doc = document(name)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert doc["bomFormat"] == "CycloneDX"
    assert doc["specVersion"] == "1.6"


@pytest.mark.parametrize("name", LOCKS)
def test_every_locked_pip_package_is_listed_with_its_version_and_hashes(name: str) -> None:
    lock, _, doc = document(name)
    components = by_purl(doc)
    for package in lock.pip_packages:
        component = components[f"pkg:pypi/{package.name}@{package.version}"]
        assert component["version"] == package.version
        assert {h.removeprefix("sha256:") for h in package.hashes} <= hashes(component)
        assert hashes(component)
    refs = {c["bom-ref"] for c in doc["components"]}
    for package in lock.image_installer:  # the builder stage's pins, marked excluded
        ref = f"image-installer:pkg:pypi/{package.name}@{package.version}"
        assert ref in refs


def test_apt_packages_and_the_base_image_are_listed() -> None:
    lock, _, doc = document("cuda-base")
    components = by_purl(doc)
    assert lock.apt_packages
    for package in lock.apt_packages:
        purl = PackageURL("deb", "debian", package.name, package.version).to_string()
        assert components[purl]["version"] == package.version
    image = lock.images[0]
    oci = [c for c in doc["components"] if c["type"] == "container"]
    assert len(oci) == 1
    assert oci[0]["version"] == image.digest
    assert oci[0]["purl"].startswith(f"pkg:oci/cuda@{image.digest}?")
    assert "repository_url=docker.io/reproenv-test/cuda" in oci[0]["purl"]
    assert hashes(oci[0]) == {image.digest.removeprefix("sha256:")}


def test_conda_records_carry_sha256_and_md5() -> None:
    lock, _, doc = document("conda-env")
    assert lock.conda_packages
    purls = [c for c in doc["components"] if c["purl"].startswith("pkg:conda/")]
    assert len(purls) == len(lock.conda_packages)
    for record in lock.conda_packages:
        [component] = [
            c for c in purls if c["name"] == record.name and f"build={record.build}" in c["purl"]
        ]
        assert hashes(component) == {record.sha256}
        assert hashes(component, "MD5") == {record.md5}
        assert f"subdir={record.subdir}" in component["purl"]


def test_the_same_lock_gives_the_same_bytes() -> None:
    lock, digest = load("torch-gpu")
    first = sbom_json(lock, digest, "demo", 315532800)
    assert sbom_json(lock, digest, "demo", 315532800) == first
    doc = json.loads(first)
    assert doc["serialNumber"] == f"urn:uuid:{serial_number(digest)}"
    assert doc["metadata"]["timestamp"].startswith("1980-01-01T00:00:00")
    assert serial_number(digest) != serial_number(load("sklearn-cpu")[1])
    later = json.loads(sbom_json(lock, digest, "demo", 1_700_000_000))
    assert later["metadata"]["timestamp"].startswith("2023-11-14")


def test_the_root_depends_on_the_environment_not_on_builder_pins() -> None:
    lock, _, doc = document("sklearn-cpu")
    root = doc["metadata"]["component"]["bom-ref"]
    [edges] = [d for d in doc["dependencies"] if d["ref"] == root]
    depends = set(edges["dependsOn"])
    assert {f"pkg:pypi/{p.name}@{p.version}" for p in lock.pip_packages} <= depends
    assert not any(ref.startswith("image-installer:") for ref in depends)


def test_an_invalid_document_is_refused() -> None:
    with pytest.raises(ReproenvError) as caught:
        check(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "extra": 1}))
    assert caught.value.reference == "sbom-invalid"


def test_names_and_distribution() -> None:
    assert split_tag("127.0.0.1:5055/library/python:3.11") == (
        "127.0.0.1:5055/library/python",
        "3.11",
    )
    assert split_tag("127.0.0.1:5055/python") == ("127.0.0.1:5055/python", "")
    lock, _ = load("cuda-base")
    assert distribution(lock) == "debian"
    ubuntu = lock.model_copy(
        update={
            "images": (
                lock.images[0].model_copy(update={"reference": "nvidia/cuda:12-ubuntu24.04"}),
            )
        }
    )
    assert distribution(ubuntu) == "ubuntu"
