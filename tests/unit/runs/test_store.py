"""Record files: named by UTC time and id, written atomically, found by id or file stem."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.runs.model import (
    CodeState,
    EngineState,
    HostState,
    ImageState,
    LockState,
    Options,
    PathHash,
    RunRecord,
    SpecState,
)
from reproenv.runs.store import dump, find_record, list_records, read_record, write_record


def record(**overrides: Any) -> RunRecord:
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": "0123abcd",
        "state": "completed",
        "started": datetime(2026, 12, 1, 18, 21, 38, 123456, tzinfo=UTC),
        "ended": datetime(2026, 12, 1, 18, 22, 0, tzinfo=UTC),
        "exit_code": 0,
        "command": ("python", "train.py"),
        "deterministic": True,
        "env": {"PYTHONHASHSEED": "0", "HF_TOKEN": "***"},
        "user_env": ("HF_TOKEN",),
        "options": Options(cpu=False, user=None, volumes=(), publish=(), network=None),
        "spec": SpecState(file="reproenv.toml", hash="sha256:" + "5" * 64),
        "lock": LockState(content_hash="sha256:" + "6" * 64, file_hash="7" * 64),
        "image": ImageState(tag="demo:777777777777", id="sha256:" + "8" * 64, repo_digests=()),
        "code": CodeState(commit="9" * 40, dirty=False, diff_hash=None, changed=(), note=None),
        "host": HostState(
            os="Debian 12",
            kernel="6.1",
            machine="x86_64",
            cpu_model="cpu",
            cpu_cores=2,
            memory_bytes=1,
            gpus=(),
            gpu_driver=None,
            cuda=None,
            gpu_source="none",
            engine=EngineState(name="docker", client_version="20.10", server_version="20.10"),
        ),
        "inputs": (),
        "outputs": (
            PathHash(path="metrics.json", kind="file", hash="sha256:" + "a" * 64, files=1, bytes=2),
        ),
        "rerun_of": None,
        "comparison": None,
    }
    data.update(overrides)
    return RunRecord(**data)


def test_the_file_is_named_by_utc_time_and_id_and_reads_back(tmp_path: Path) -> None:
    path = write_record(tmp_path, record())
    assert path == tmp_path / ".reproenv" / "runs" / "20261201T182138Z-0123abcd.json"
    data = json.loads(path.read_text())
    assert data["schema-version"] == 1 and data["started"] == "2026-12-01T18:21:38.123456Z"
    assert read_record(path) == record()
    assert list(path.parent.iterdir()) == [path]  # no temp file left


def test_find_by_id_or_stem_and_unknown_ids_name_themselves(tmp_path: Path) -> None:
    path = write_record(tmp_path, record())
    assert find_record(tmp_path, "0123abcd")[0] == path
    assert find_record(tmp_path, path.stem)[0] == path
    assert find_record(tmp_path, path.name)[0] == path
    for unknown in ("ffffffff", "*", "../x"):
        with pytest.raises(ReproenvError) as caught:
            find_record(tmp_path, unknown)
        assert caught.value.exit_code == ExitCode.BAD_INPUT
        assert repr(unknown) in caught.value.message and "reproenv runs" in caught.value.hint


def test_a_broken_or_newer_record_is_named(tmp_path: Path) -> None:
    path = write_record(tmp_path, record())
    (path.parent / "20200101T000000Z-deadbeef.json").write_text("{not json")
    newer = json.loads(dump(record(id="00000000")))
    newer["schema-version"] = 9
    (path.parent / "20200101T000001Z-00000000.json").write_text(json.dumps(newer))
    listed = list_records(tmp_path)
    assert [item.record is None for item in listed] == [True, True, False]
    with pytest.raises(ReproenvError, match="schema-version 9"):
        find_record(tmp_path, "00000000")
    with pytest.raises(ReproenvError, match="unreadable"):
        find_record(tmp_path, "deadbeef")


def test_tags_for_trackers() -> None:
    tags = record().tags()
    assert tags["reproenv.image_digest"] == "sha256:" + "8" * 64  # no repo digest: the ID
    assert tags["reproenv.lock_hash"] == "sha256:" + "6" * 64
    assert tags["reproenv.git_commit"] == "9" * 40
    assert tags["reproenv.spec_hash"] == "sha256:" + "5" * 64
    assert (tags["reproenv.gpu"], tags["reproenv.deterministic"]) == ("none", "true")
    pushed = record(image=ImageState(tag="t", id="sha256:1", repo_digests=("r@sha256:2",)))
    assert pushed.tags()["reproenv.image_digest"] == "r@sha256:2"
