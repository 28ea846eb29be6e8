"""`reproenv sbom` as a user runs it: stdout or --output, the same bytes every time, the date
from SOURCE_DATE_EPOCH, a clear error for a bad one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import Cli

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    shutil.copytree(GOLDEN / "sklearn-cpu" / "input", folder)
    return folder


def test_sbom_prints_the_same_document_every_time(cli: Cli, tmp_path: Path) -> None:
    folder = project(tmp_path)
    first = cli("sbom", cwd=folder, env={"SOURCE_DATE_EPOCH": None})  # type: ignore[dict-item]
    assert first.code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["bomFormat"] == "CycloneDX" and doc["metadata"]["component"]["name"] == "sklearn-cpu"
    assert any(c["purl"].startswith("pkg:pypi/scikit-learn@") for c in doc["components"])
    out = tmp_path / "sbom.json"
    written = cli("sbom", "--project", str(folder), "--output", str(out), cwd=tmp_path,
                  env={"SOURCE_DATE_EPOCH": None})  # type: ignore[dict-item]  # fmt: skip
    assert written.code == 0 and written.stdout == "", written.output
    assert out.read_text() == first.stdout


def test_source_date_epoch_sets_the_timestamp(cli: Cli, tmp_path: Path) -> None:
    folder = project(tmp_path)
    dated = cli("sbom", cwd=folder, env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert dated.code == 0, dated.output
    assert json.loads(dated.stdout)["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")
    bad = cli("sbom", cwd=folder, env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert bad.code == 2, bad.output
    assert "SOURCE_DATE_EPOCH" in bad.stderr and "Traceback" not in bad.stderr


def test_sbom_without_a_lock_says_so(cli: Cli, tmp_path: Path) -> None:
    folder = project(tmp_path)
    (folder / "reproenv.lock").unlink()
    missing = cli("sbom", cwd=folder)
    assert missing.code == 2, missing.output
    assert "reproenv.lock" in missing.stderr and "Traceback" not in missing.stderr
