"""requirements.lock is derived from reproenv.lock: checked, and never rewritten silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.exports import ExportState, check_export
from reproenv.lock.inputs import input_hash
from reproenv.lock.model import Lock, LockedFile, LockedImage, LockedPipPackage
from reproenv.lock.service import LockMode, ensure_lock, write_lock
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "requirements.in").write_text("lib\n")
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    return load_spec(tmp_path, env={})


def fresh_lock(spec: Spec) -> Lock:
    """A lock written for the spec as it is: ensure_lock uses it without resolving."""
    lock = Lock(
        reproenv_version="0.1.0",
        input_hash=input_hash(spec),
        python="3.11",
        platforms=("linux/amd64",),
        resolver="uv 0.0.0",
        wheel_platforms=("x86_64-manylinux_2_28",),
        images=(
            LockedImage(
                reference="docker.io/library/python:3.11-slim-bookworm",
                platform="linux/amd64",
                digest="sha256:" + "ab" * 32,
            ),
        ),
        apt_requested=(),
        apt_packages=(),
        pip_packages=(
            LockedPipPackage(
                name="lib",
                version="1.1",
                platforms=("linux/amd64",),
                wheels=(LockedFile(name="lib-1.1-py3-none-any.whl", sha256="c" * 64),),
            ),
        ),
        # the image's installer, which this reproenv pins with the packages
        image_installer=(
            LockedPipPackage(
                name="uv",
                version="0.13.9",
                platforms=("linux/amd64",),
                wheels=(LockedFile(name="uv-0.13.9-py3-none-any.whl", sha256="d" * 64),),
            ),
        ),
    )
    write_lock(spec, lock)
    return lock


def export(spec: Spec) -> Path:
    return spec.project_dir / "requirements.lock"


def test_states(spec: Spec) -> None:
    lock = fresh_lock(spec)
    original = export(spec).read_text()
    assert check_export(spec, lock).state is ExportState.FRESH
    export(spec).write_text(original.replace("# pip's", "# see: pip's"))
    assert check_export(spec, lock).state is ExportState.REFORMATTED
    export(spec).write_text(original.replace("lib==1.1", "lib==1.0"))
    edited = check_export(spec, lock)
    assert edited.state is ExportState.EDITED
    assert edited.detail == "it has lib==1.0, which reproenv.lock does not"
    export(spec).write_text(original.replace("c" * 64, "d" * 64))
    assert check_export(spec, lock).detail == "other hashes for lib==1.1"
    export(spec).write_text(original + "evil==6.6.6 --hash=sha256:" + "e" * 64 + "\n")
    assert "evil==6.6.6" in check_export(spec, lock).detail
    export(spec).write_bytes(original.encode() + b"# \xe9\n")
    assert check_export(spec, lock).state is ExportState.EDITED
    export(spec).unlink()
    assert check_export(spec, lock).state is ExportState.MISSING


@pytest.mark.parametrize("mode", [LockMode.LOCKED, LockMode.FROZEN])
def test_an_edited_export_is_refused_under_locked_and_frozen(spec: Spec, mode: LockMode) -> None:
    fresh_lock(spec)
    edited = export(spec).read_text().replace("lib==1.1", "lib==1.0")
    export(spec).write_text(edited)
    with pytest.raises(ReproenvError) as caught:
        ensure_lock(spec, mode, None)
    assert caught.value.reference == "export-edited"
    assert caught.value.exit_code == ExitCode.CHECK_FAILED
    assert caught.value.context["file"] == str(export(spec))
    assert f"--{mode.value}" in caught.value.message
    assert export(spec).read_text() == edited, "refused, so left as it is"


def test_auto_rewrites_an_edited_export_and_says_so(spec: Spec) -> None:
    fresh_lock(spec)
    original = export(spec).read_text()
    export(spec).write_text(original.replace("lib==1.1", "lib==1.0"))
    result = ensure_lock(spec, LockMode.AUTO, None)
    assert result.export.is_edit
    notice = result.export.notice()
    assert notice is not None and "requirements.lock" in notice and "lib==1.0" in notice
    assert export(spec).read_text() == original


@pytest.mark.parametrize("mode", list(LockMode))
def test_a_missing_export_is_written_with_a_note_in_every_mode(spec: Spec, mode: LockMode) -> None:
    fresh_lock(spec)
    original = export(spec).read_text()
    export(spec).unlink()
    result = ensure_lock(spec, mode, None)
    assert result.export.state is ExportState.MISSING
    assert not result.export.is_edit and result.export.notice()
    assert export(spec).read_text() == original


def test_run_leaves_the_export_alone(spec: Spec) -> None:
    fresh_lock(spec)
    edited = export(spec).read_text().replace("lib==1.1", "lib==1.0")
    export(spec).write_text(edited)
    result = ensure_lock(spec, LockMode.FROZEN, None, exports=False)
    assert result.export.state is ExportState.FRESH
    assert export(spec).read_text() == edited
