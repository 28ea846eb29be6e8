"""One strict base for the models read from files: every pydantic model in src/ derives from
`StrictModel` unless it is named here with the reason it differs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

import reproenv
from reproenv.compat.schema import DataFile
from reproenv.lock.model import LockedImage
from reproenv.model_base import StrictModel

SRC = Path(reproenv.__file__).parent
# models that derive from BaseModel itself, on purpose
OWN_BASE = {
    "model_base.py:StrictModel",  # the base
    "spec/model.py:Spec",  # frozen only: built from a checked RawSpec, never from a file
    "spec/devcontainer.py:DevcontainerSpec",  # likewise, from a checked RawDevcontainer
}
DIGEST = "sha256:" + "a" * 64


def _direct_base_models() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                (base.id if isinstance(base, ast.Name) else getattr(base, "attr", ""))
                == "BaseModel"
                for base in node.bases
            ):
                found.add(f"{path.relative_to(SRC).as_posix()}:{node.name}")
    return found


def test_models_derive_from_the_one_strict_base() -> None:
    assert sorted(_direct_base_models() - OWN_BASE) == []
    assert _direct_base_models() >= OWN_BASE  # the exceptions still exist


def test_the_strict_base_refuses_unknown_keys_and_changes() -> None:
    assert issubclass(LockedImage, StrictModel) and issubclass(DataFile, StrictModel)
    image = LockedImage(reference="python:3.11", platform="linux/amd64", digest=DIGEST)
    with pytest.raises(ValidationError, match="extra_forbidden"):
        LockedImage.model_validate({**image.model_dump(), "tag": "3.11"})
    with pytest.raises(ValidationError, match="frozen"):
        image.digest = DIGEST  # type: ignore[misc]
    # a field with an alias is read by its alias (the file) and by its name (code)
    written = {"reference": "python:3.11", "platform": "linux/amd64", "digest": DIGEST}
    by_alias = LockedImage.model_validate({**written, "index-digest": DIGEST})
    assert by_alias == LockedImage(**written, index_digest=DIGEST)


def test_a_data_file_names_its_schema_by_the_alias_only() -> None:
    fields = {"source": ["a table"], "retrieved": "2024-01-01", "notes": ""}
    assert DataFile.model_validate({"schema": 1, **fields}).schema_version == 1
    with pytest.raises(ValidationError):
        DataFile.model_validate({"schema_version": 1, **fields})
