"""conda-lock.yml beside reproenv.lock for a conda project solved from its environment files:
the lock's records in conda-lock's format, byte-stable, checked by `lock --check` like
requirements.lock, rewritten when missing, never written over a lock file the spec takes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from reproenv.fsutil import GENERATED_MARKER
from reproenv.lock.conda.lockfiles import read_conda_lock
from reproenv.lock.conda_export import records_hash
from reproenv.lock.model import read_lock
from tests.cli import test_conda_lock as conda_lock
from tests.cli.test_conda_lock import FIXTURES, PIP_INDEX, _project
from tests.conftest import Cli

# the fake pip index the builder's installer is pinned from, and the CLI that points at it
index, cli = conda_lock.index, conda_lock.cli


def test_a_lock_exports_its_records_as_conda_lock_yml(cli: Cli, tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    assert "reproenv.lock, requirements.lock, conda-lock.yml" in " ".join(result.output.split())
    export = folder / "conda-lock.yml"
    text = export.read_text()
    assert text.startswith(f"# {GENERATED_MARKER}")
    pinned = read_conda_lock(export, ("linux/amd64",))
    lock = read_lock(folder / "reproenv.lock")
    assert lock is not None
    assert {(p.name, p.url, p.sha256) for p in pinned.packages} == {
        (p.name, p.url, p.sha256) for p in lock.conda_packages
    }
    assert pinned.content_hashes == {"linux/amd64": records_hash(lock, "linux/amd64")}
    assert "sources:\n  - environment.yml\n" in text
    # the same inputs, the same bytes: a lock up to date, and one made afresh
    assert cli("lock", cwd=folder).code == 0
    assert export.read_text() == text
    (folder / "reproenv.lock").unlink()
    assert cli("lock", cwd=folder).code == 0
    assert export.read_text() == text


def test_lock_check_fails_on_an_edited_export_and_a_missing_one_is_rewritten(
    cli: Cli, tmp_path: Path
) -> None:
    folder = _project(tmp_path)
    assert cli("lock", cwd=folder).code == 0
    export = folder / "conda-lock.yml"
    original = export.read_text()
    assert cli("lock", "--check", cwd=folder).code == 0  # leaves a stamp
    lock = tomllib.loads((folder / "reproenv.lock").read_text())
    numpy = next(p for p in lock["conda-packages"] if p["name"] == "numpy")
    export.write_text(original.replace(numpy["sha256"], "f" * 64))
    checked = cli("lock", "--check", "--json", cwd=folder)
    assert checked.code == 1, checked.output
    assert json.loads(checked.stdout) == {
        "state": "fresh",
        "requirements-lock": "fresh",
        "conda-lock": "edited",
    }
    assert "conda-lock.yml does not match reproenv.lock (it has numpy" in checked.stderr
    locked = cli("generate", "--locked", cwd=folder)
    assert locked.code == 1, locked.output
    assert "conda-lock.yml does not match reproenv.lock" in locked.stderr
    assert "(export-edited)" in locked.stderr
    # a layout of its own is no edit
    export.write_text("# laid out otherwise\n" + original.split("\n", 2)[2])
    assert cli("lock", "--check", cwd=folder).code == 0
    export.unlink()
    missing = cli("lock", "--check", cwd=folder)
    assert missing.code == 0 and "conda-lock.yml is missing" in missing.stderr
    rewritten = cli("lock", cwd=folder)
    assert rewritten.code == 0, rewritten.output
    assert "conda-lock.yml was missing: wrote it from reproenv.lock" in rewritten.stderr
    assert export.read_text() == original


def test_a_relock_says_it_replaces_a_conda_lock_yml_reproenv_did_not_write(
    cli: Cli, tmp_path: Path
) -> None:
    folder = _project(tmp_path)
    (folder / "conda-lock.yml").write_text("version: 1\n")
    result = cli("lock", cwd=folder)
    assert result.code == 0, result.output
    assert "conda-lock.yml did not match reproenv.lock (reproenv did not write it)" in (
        result.stderr
    )
    assert (folder / "conda-lock.yml").read_text().startswith(f"# {GENERATED_MARKER}")


def test_a_conda_lock_yml_the_spec_takes_is_the_input_not_an_export(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    given = (FIXTURES / "conda-lock.yml").read_bytes()
    (folder / "conda-lock.yml").write_bytes(given)
    (folder / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nlockfile = "conda-lock.yml"\n' + PIP_INDEX
    )
    assert cli("lock", cwd=folder).code == 0
    assert cli("lock", "--check", cwd=folder).code == 0
    assert (folder / "conda-lock.yml").read_bytes() == given


def test_py_rattler_reads_the_export_to_the_locked_records(cli: Cli, tmp_path: Path) -> None:
    import rattler

    folder = _project(tmp_path)
    assert cli("lock", cwd=folder).code == 0
    lock = read_lock(folder / "reproenv.lock")
    assert lock is not None
    environment = rattler.LockFile.from_path(folder / "conda-lock.yml").default_environment()
    assert environment is not None
    (platform,) = environment.platforms()
    assert str(platform.subdir) == "linux-64"
    records = environment.conda_repodata_records_for_platform(platform)
    assert records is not None
    assert {(r.url, r.sha256.hex() if r.sha256 else None) for r in records} == {
        (p.url, p.sha256) for p in lock.conda_packages
    }
