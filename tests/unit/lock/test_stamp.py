"""The `lock --check` stamp on its own: what it records, what breaks it, where it may not go."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reproenv.lock.stamp import record_fresh, stamp_path, stamped_fresh
from reproenv.settings import cache_dir


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"REPROENV_CACHE_DIR": str(tmp_path / "cache"), "REPROENV_HTTP_TIMEOUT": "30"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "requirements.in").write_text("lib\n")
    (folder / "libs").mkdir()
    return folder


def inputs(project: Path) -> list[Path]:
    return [project / "requirements.in", project / "absent.yml", project / "libs"]


def test_a_recorded_project_holds_until_a_file_changes(env: dict[str, str], project: Path) -> None:
    record_fresh(project, inputs(project), env)
    assert stamped_fresh(str(project), env)
    (project / "requirements.in").write_text("lib\nother\n")
    assert not stamped_fresh(str(project), env)


@pytest.mark.parametrize("quiet", [True, False])
def test_only_a_quiet_stamp_answers_what_would_list_warnings(
    env: dict[str, str], project: Path, quiet: bool
) -> None:
    record_fresh(project, inputs(project), env, quiet=quiet)
    assert stamped_fresh(str(project), env)
    assert stamped_fresh(str(project), env, quiet=True) is quiet


@pytest.mark.parametrize(
    "change",
    [
        lambda p: (p / "absent.yml").write_text("x"),  # created where the check looked
        lambda p: (p / "requirements.in").unlink(),
        lambda p: (p / "libs").rmdir(),  # a local project's folder gone
    ],
    ids=["created", "removed", "folder removed"],
)
def test_presence_counts_as_much_as_content(
    env: dict[str, str], project: Path, change: Callable[[Path], object]
) -> None:
    record_fresh(project, inputs(project), env)
    change(project)
    assert not stamped_fresh(str(project), env)


def test_a_setting_or_the_credentials_left_out(env: dict[str, str], project: Path) -> None:
    record_fresh(project, inputs(project), {**env, "REPROENV_REGISTRY_PASSWORD": "s3"})
    stamp = stamp_path(project, env)
    assert stamp is not None and "s3" not in stamp.read_text()
    assert stamped_fresh(str(project), env)  # the password is no part of the key
    assert not stamped_fresh(str(project), {**env, "REPROENV_HTTP_TIMEOUT": "5"})


def test_an_unreadable_input_is_never_stamped(env: dict[str, str], project: Path) -> None:
    record_fresh(project, [project / "requirements.in" / "below-a-file"], env)
    assert not stamped_fresh(str(project), env)


def test_a_stamp_from_other_code_or_schema_is_ignored(env: dict[str, str], project: Path) -> None:
    record_fresh(project, inputs(project), env)
    stamp = stamp_path(project, env)
    assert stamp is not None
    document = json.loads(stamp.read_text())
    document["key"]["code"][0][2] += 1  # a module edited since
    stamp.write_text(json.dumps(document))
    assert not stamped_fresh(str(project), env)
    stamp.write_text(json.dumps({**document, "schema": 99}))
    assert not stamped_fresh(str(project), env)


def test_no_home_means_no_cache_and_no_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_dir({}) is None
    record_fresh(project, inputs(project), {})
    assert not stamped_fresh(str(project), {})


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path, project: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    env = {"REPROENV_CACHE_DIR": str(blocked)}
    record_fresh(project, inputs(project), env)
    assert not stamped_fresh(str(project), env)
