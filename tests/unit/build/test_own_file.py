"""`build --file`: which files may be built, and which ignore file then filters the context."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.build.own_file import ignore_note, own_dockerfile
from reproenv.errors import ExitCode, ReproenvError
from tests.fakes.plans import make_build_plan


def test_a_file_in_the_project_is_taken_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile.gpu").write_text("FROM scratch\n")
    monkeypatch.chdir(tmp_path / "docker")
    assert own_dockerfile(tmp_path, Path("Dockerfile.gpu")) == tmp_path / "docker/Dockerfile.gpu"
    absolute = tmp_path / "docker" / "Dockerfile.gpu"
    assert own_dockerfile(tmp_path, absolute) == absolute


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("Dockerfile.nope", "dockerfile-missing"),
        ("docker", "dockerfile-missing"),  # a folder is no Dockerfile
        ("../outside/Dockerfile", "dockerfile-outside-project"),
        ("link", "dockerfile-outside-project"),  # a link counts where it points
    ],
)
def test_a_missing_file_or_one_outside_the_project_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, reference: str
) -> None:
    project = tmp_path / "project"
    (project / "docker").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "Dockerfile").write_text("FROM scratch\n")
    (project / "link").symlink_to(tmp_path / "outside" / "Dockerfile")
    monkeypatch.chdir(project)
    with pytest.raises(ReproenvError) as raised:
        own_dockerfile(project, Path(name))
    assert raised.value.reference == reference
    assert raised.value.exit_code is ExitCode.BAD_INPUT
    assert f"--file {name}" in raised.value.message


def test_the_ignore_file_is_named_when_it_is_not_the_generated_one(tmp_path: Path) -> None:
    at_root = make_build_plan()
    in_folder = make_build_plan(dockerfile=".reproenv/Dockerfile")
    own = tmp_path / ".reproenv" / "Dockerfile.mine"
    own.parent.mkdir()
    own.write_text("FROM scratch\n")
    assert ignore_note(at_root, tmp_path, own, buildkit=True) is None
    note = ignore_note(in_folder, tmp_path, own, buildkit=True)
    assert note is not None
    assert ".reproenv/Dockerfile.mine has no .reproenv/Dockerfile.mine.dockerignore" in note
    assert ".reproenv/Dockerfile.dockerignore" in note
    legacy = ignore_note(in_folder, tmp_path, own, buildkit=False)
    assert legacy is not None and "legacy builder" in legacy
    own.with_name("Dockerfile.mine.dockerignore").write_text("*.pt\n")
    assert ignore_note(in_folder, tmp_path, own, buildkit=True) is None
