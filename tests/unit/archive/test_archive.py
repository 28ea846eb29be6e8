"""`archive` and `restore` against a fake engine: the image laid out as OCI with docker's
manifest.json, the members in a fixed order, the manifest, and every way a restore refuses."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from reproenv.archive.contents import collect
from reproenv.archive.manifest import MANIFEST, parse_manifest
from reproenv.archive.oci_image import write_oci_image
from reproenv.archive.pack import write_archive
from reproenv.archive.unpack import restore_archive
from reproenv.build.record import record_path
from reproenv.cli.pipeline import generate_files
from reproenv.engine.archive import read_archive
from reproenv.errors import ReproenvError
from reproenv.plan.model import BuildPlan
from tests.fakes.image_archive import F, docker_save

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
IMAGE_ID = "sha256:" + "a" * 64
LAYERS = [[F("etc/os-release", b"debian\n")], [F("opt/venv/bin/python", b"py", mode=0o755)]]
CONFIG = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}


class FakeEngine:
    """Saves a two-layer image for its tags; loads record the file and make the tag exist."""

    def __init__(self, tags: set[str], *, load_fails: bool = False) -> None:
        self.tags = set(tags)
        self.loaded: list[bytes] = []
        self.load_fails = load_fails

    def capture(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        if args[:3] == ["image", "save", "-o"] and args[4] in self.tags:
            docker_save(Path(args[3]), LAYERS, CONFIG)
            return subprocess.CompletedProcess(args, 0, "", "")
        if args[:3] == ["image", "load", "-i"]:
            if self.load_fails:
                return subprocess.CompletedProcess(args, 1, "", "Error: no space left on device")
            data = Path(args[3]).read_bytes()
            self.loaded.append(data)
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
            self.tags.update(manifest[0]["RepoTags"])
            return subprocess.CompletedProcess(args, 0, "Loaded image", "")
        return subprocess.CompletedProcess(args, 1, "", "Error: No such image")

    def image_inspect(self, image: str) -> dict[str, Any] | None:
        return {"Id": IMAGE_ID} if image in self.tags else None


def project(tmp_path: Path) -> tuple[Path, Any, BuildPlan]:
    folder = tmp_path / "project"
    shutil.copytree(GOLDEN / "sklearn-cpu" / "input", folder)
    prepared = generate_files(folder, locked=False, frozen=True, force=False, ca_cert=None)
    runs = folder / ".reproenv" / "runs"
    runs.mkdir(parents=True)
    (runs / "20260101T000000Z-abc.json").write_text('{"exit": 0}\n')
    return folder, prepared, prepared.plan


def make_archive(tmp_path: Path, out: str = "demo.tar") -> tuple[Path, FakeEngine, BuildPlan]:
    _, prepared, plan = project(tmp_path)
    cache = tmp_path / "cache"
    record = record_path(cache, IMAGE_ID)
    record.parent.mkdir(parents=True)
    record.write_text('{"image": "x"}\n')
    engine = FakeEngine({plan.image_tag})
    contents = collect(prepared.spec, plan, cache, IMAGE_ID)
    output = tmp_path / out
    write_archive(engine, plan, prepared.lock, contents, '{"sbom": 1}\n', output)  # type: ignore[arg-type]
    return output, engine, plan


def names(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        return tar.getnames()


def test_the_image_becomes_an_oci_layout_docker_load_takes(tmp_path: Path) -> None:
    saved = docker_save(tmp_path / "saved.tar", LAYERS, CONFIG)
    out = tmp_path / "image.tar"
    with out.open("wb") as handle:
        layout = write_oci_image(saved, handle, "demo:123")
    with tarfile.open(out) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
        assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
    assert list(members)[:3] == ["oci-layout", "index.json", "manifest.json"]
    for name, data in members.items():  # every blob is named by its content
        if name.startswith("blobs/sha256/"):
            assert hashlib.sha256(data).hexdigest() == name.rsplit("/", 1)[1]
    [docker] = json.loads(members["manifest.json"])
    assert docker["RepoTags"] == ["demo:123"]
    assert docker["Config"] == "blobs/sha256/" + layout.image_id.removeprefix("sha256:")
    index = json.loads(members["index.json"])
    assert index["manifests"][0]["digest"] == layout.manifest_digest
    oci = json.loads(members["blobs/sha256/" + layout.manifest_digest.removeprefix("sha256:")])
    assert [layer["digest"] for layer in oci["layers"]] == [
        "sha256:" + p.rsplit("/", 1)[1] for p in docker["Layers"]
    ]
    original, converted = read_archive(str(saved)), read_archive(str(out))
    assert [layer.entries for layer in converted.layers] == [x.entries for x in original.layers]


def test_the_archive_holds_its_members_in_a_fixed_order(tmp_path: Path) -> None:
    output, _, plan = make_archive(tmp_path)
    listed = names(output)
    assert listed[0] == MANIFEST
    assert listed[-1] == "image.tar"
    assert listed[1] == "sbom.cdx.json"
    project_files = [n for n in listed if n.startswith("project/")]
    assert project_files == sorted(project_files)
    for expected in ("reproenv.toml", "reproenv.lock", "requirements.in", "requirements.lock",
                     "Dockerfile", ".dockerignore"):  # fmt: skip
        assert f"project/{expected}" in project_files
    assert "records/runs/20260101T000000Z-abc.json" in listed
    assert f"records/builds/{'sha256-' + 'a' * 64}.json" in listed
    with tarfile.open(output) as tar:
        manifest = parse_manifest(tar.extractfile(MANIFEST).read(), "x")  # type: ignore[union-attr]
    assert manifest.image_tag == plan.image_tag
    assert manifest.image_id == IMAGE_ID
    assert manifest.lock_hash == plan.lock_hash
    assert [m.name for m in manifest.members] == listed[1:]


def test_the_archive_holds_the_code_the_image_does_and_nothing_the_ignore_file_keeps_out(
    tmp_path: Path,
) -> None:
    folder, prepared, plan = project(tmp_path)
    (folder / "src").mkdir()
    (folder / "src" / "model.py").write_text("SEED = 0\n")
    (folder / ".env").write_text("TOKEN=secret\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    files = collect(prepared.spec, plan, None, IMAGE_ID).project_files
    assert {"requirements.in", "src/model.py"} <= set(files)
    assert not {".env", ".git/HEAD"} & set(files)
    assert not any(name.startswith(".reproenv/runs/") for name in files)  # records apart


def test_the_same_project_and_image_give_the_same_archive(tmp_path: Path) -> None:
    first, _, _ = make_archive(tmp_path / "a")
    second, _, _ = make_archive(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_restore_loads_the_image_and_writes_the_project(tmp_path: Path) -> None:
    output, _, plan = make_archive(tmp_path)
    engine, target, cache = FakeEngine(set()), tmp_path / "restored", tmp_path / "cache2"
    restored = restore_archive(engine, output, target, cache, force=False)  # type: ignore[arg-type]
    assert plan.image_tag in engine.tags and len(engine.loaded) == 1
    original = tmp_path / "project"
    for name in (
        "reproenv.lock",
        "reproenv.toml",
        "Dockerfile",
        ".reproenv/runs/20260101T000000Z-abc.json",
    ):
        assert (target / name).read_bytes() == (original / name).read_bytes()
    assert record_path(cache, IMAGE_ID).read_text() == '{"image": "x"}\n'
    assert "reproenv.lock" in restored.written
    again = restore_archive(engine, output, target, cache, force=False)  # type: ignore[arg-type]
    assert not again.written and again.unchanged


def test_restore_refuses_to_overwrite_a_differing_file_unless_forced(tmp_path: Path) -> None:
    output, _, _ = make_archive(tmp_path)
    target = tmp_path / "project"  # the original, with the lock edited
    (target / "Dockerfile").write_text("FROM scratch\n")
    engine = FakeEngine(set())
    with pytest.raises(ReproenvError) as caught:
        restore_archive(engine, output, target, None, force=False)  # type: ignore[arg-type]
    assert caught.value.reference == "restore-overwrite"
    assert "Dockerfile" in caught.value.message
    assert not engine.loaded  # refused before anything changed
    restore_archive(engine, output, target, None, force=True)  # type: ignore[arg-type]
    assert (target / "Dockerfile").read_text() != "FROM scratch\n"


def test_restore_names_what_is_wrong_with_the_file(tmp_path: Path) -> None:
    output, _, _ = make_archive(tmp_path)
    data = output.read_bytes()
    cases = {
        "not-an-archive": b"this is not a tar file at all" * 100,
        "archive-truncated": data[: len(data) // 2],
    }
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        tar.addfile(info, io.BytesIO())
    cases["not-an-archive "] = plain.getvalue()
    damaged = bytearray(data)
    at = data.index(b'{"sbom": 1}')
    damaged[at + 9] = ord("2")
    cases["archive-damaged"] = bytes(damaged)
    for reference, content in cases.items():
        path = tmp_path / "bad.tar"
        path.write_bytes(content)
        with pytest.raises(ReproenvError) as caught:
            restore_archive(FakeEngine(set()), path, tmp_path / "r", None, force=False)  # type: ignore[arg-type]
        assert caught.value.reference == reference.strip(), reference
        assert str(path) in caught.value.message
        assert not (tmp_path / "r" / "reproenv.lock").exists()


def test_an_image_the_engine_does_not_load_is_an_error(tmp_path: Path) -> None:
    output, _, plan = make_archive(tmp_path)
    with pytest.raises(ReproenvError) as caught:
        restore_archive(
            FakeEngine(set(), load_fails=True), output, tmp_path / "r", None, force=False
        )  # type: ignore[arg-type]
    assert caught.value.reference == "image-load-failed"
    assert "no space left" in caught.value.message
    assert plan.image_tag in caught.value.message


def test_archive_needs_the_image(tmp_path: Path) -> None:
    _, prepared, plan = project(tmp_path)
    contents = collect(prepared.spec, plan, None, IMAGE_ID)
    with pytest.raises(ReproenvError) as caught:
        write_archive(FakeEngine(set()), plan, prepared.lock, contents, "{}", tmp_path / "x.tar")  # type: ignore[arg-type]
    assert caught.value.reference == "image-missing"
    assert not (tmp_path / "x.tar").exists()
