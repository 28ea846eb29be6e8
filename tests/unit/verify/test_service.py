"""`verify_image` over a fake engine that saves a synthetic image: a registry reference the
engine lacks is pulled, the build record's fingerprint is read by image ID, and the report
(text and JSON) names each difference by ecosystem."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reproenv.build.fingerprint import read_fingerprint
from reproenv.build.record import write_record
from reproenv.errors import ExitCode, ReproenvError
from reproenv.plan.model import BASE_DIGEST_LABEL, BASE_NAME_LABEL, GPU_LABEL, LOCK_HASH_LABEL
from reproenv.verify.report import differences_text, summary
from reproenv.verify.service import verify_image
from tests.fakes.image_archive import F, docker_save
from tests.unit.verify.locks import BASE, INDEX, LOCK_HASH, sample_lock
from tests.unit.verify.test_contents import SITE, dist

IMAGE_ID = "sha256:" + "9" * 64
REFERENCE = "127.0.0.1:5000/team/demo@sha256:" + "7" * 64
STATUS = b"Package: tree\nStatus: install ok installed\nVersion: 2.1.0-1\n\n" + (
    b"Package: libamd\nStatus: install ok installed\nVersion: 1.0\n"
)
LABELS = {LOCK_HASH_LABEL: LOCK_HASH, BASE_NAME_LABEL: BASE, BASE_DIGEST_LABEL: INDEX,
          GPU_LABEL: "none"}  # fmt: skip


def image_layers(*extra: F) -> list[list[F]]:
    venv = [
        F("opt/venv", kind="dir", mode=0o755),
        *dist("six", "1.16.0", {"six.py": b"six\n"}),
        *dist("typing_extensions", "4.12.2", {"typing_extensions.py": b"te\n"}),
        *dist("amd_only", "1.0", {"amd_only.py": b""}),
    ]
    return [[F("var/lib/dpkg/status", STATUS)], venv, list(extra)]


class Engine:
    """Holds one image under its ID (and, once pulled, under REFERENCE)."""

    def __init__(self, layers: list[list[F]], *, pulled: bool = False) -> None:
        self.layers, self.names, self.calls = layers, {IMAGE_ID, "demo:tag"}, []
        self.pull_works = pulled

    def image_inspect(self, image: str) -> dict[str, object] | None:
        return {"Id": IMAGE_ID} if image in self.names else None

    def capture(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        if args[0] == "pull":
            if not self.pull_works:
                return subprocess.CompletedProcess(args, 1, "", "Error response: manifest unknown")
            self.names.add(args[-1])
            return subprocess.CompletedProcess(args, 0, "", "")
        assert args[:3] == ["image", "save", "-o"] and args[4] == IMAGE_ID
        config = {"os": "linux", "architecture": "amd64", "config": {"Labels": LABELS}}
        docker_save(Path(args[3]), self.layers, config)
        return subprocess.CompletedProcess(args, 0, "", "")


def run(engine: Engine, image: str = "demo:tag", cache: Path | None = None):  # type: ignore[no-untyped-def]
    return verify_image(
        engine,
        image,
        sample_lock(),
        lock_name="reproenv.lock",
        lock_hash=LOCK_HASH,
        cache=cache,  # type: ignore[arg-type]
    )


def test_a_matching_image_prints_its_counts() -> None:
    result = run(Engine(image_layers()))
    assert result.match, result.comparison.differences
    assert summary(result) == (
        "demo:tag matches reproenv.lock (linux/amd64): 5 labels, 3 pip packages, "
        "3 files against RECORD, 2 apt packages, 0 conda records"
    )


def test_a_registry_reference_is_pulled_when_absent() -> None:
    engine = Engine(image_layers(), pulled=True)
    assert run(engine, REFERENCE).match
    assert engine.calls[0] == ["pull", "--quiet", REFERENCE]


def test_an_image_neither_here_nor_pullable_is_an_input_error() -> None:
    with pytest.raises(ReproenvError) as caught:
        run(Engine(image_layers()), REFERENCE)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert caught.value.reference == "image-missing"
    assert REFERENCE in caught.value.message and "manifest unknown" in caught.value.message


def test_differences_are_grouped_and_the_json_carries_the_same(tmp_path: Path) -> None:
    extra = dist("extra_pkg", "0.1", {"extra_pkg.py": b""})
    edited = F(f"{SITE}/six.py", b"edited\n")
    status = F("var/lib/dpkg/status", STATUS.replace(b"2.1.0-1", b"9.9"))
    result = run(Engine(image_layers(*extra, edited, status)))
    assert not result.match
    text = differences_text(result)
    assert text == [
        "demo:tag does not match reproenv.lock (linux/amd64): 3 differences (lock -> image)",
        "pip:",
        "  extra    extra-pkg 0.1",
        "  changed  six: 1.16.0 -> 1.16.0 (1 file differs from RECORD)",
        f"      /{SITE}/six.py: content",
        "apt:",
        "  changed  tree: 2.1.0-1 -> 9.9",
    ]
    document = json.loads(json.dumps(result.as_dict()))
    assert document["match"] is False and document["image-id"] == IMAGE_ID
    assert document["differences"]["pip"] == [
        {"kind": "changed", "name": "six", "lock": "1.16.0", "image": "1.16.0",
         "files": [f"/{SITE}/six.py: content"]},
        {"kind": "extra", "name": "extra-pkg", "lock": None, "image": "0.1"},
    ]  # fmt: skip
    assert document["differences"]["apt"] == [
        {"kind": "changed", "name": "tree", "lock": "2.1.0-1", "image": "9.9"}
    ]
    assert document["differences"]["labels"] == document["differences"]["conda"] == []


def test_the_build_record_of_the_image_is_checked(tmp_path: Path) -> None:
    layers = image_layers()
    archive = docker_save(tmp_path / "built.tar", layers, {})
    write_record(tmp_path / "cache", IMAGE_ID, "demo:tag", LOCK_HASH, read_fingerprint(archive))
    result = run(Engine(layers), cache=tmp_path / "cache")
    assert result.match and result.comparison.checked["fingerprint"] == 1
    assert summary(result).endswith(", fingerprint")
