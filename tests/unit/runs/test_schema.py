"""The shipped JSON Schema is the model's, and records validate against it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jsonschema
import pytest

from reproenv.runs.model import RunRecord
from reproenv.runs.schema import SCHEMA_FILE, schema_text, shipped_schema, shipped_schema_text
from reproenv.runs.store import dump
from tests.unit.runs.test_store import record

ROOT = Path(__file__).resolve().parents[3]


def _normal(node: object) -> object:
    """Older pydantic writes a Literal's `enum` beside its `const`; the schema means the same."""
    if isinstance(node, dict):
        found = {key: _normal(value) for key, value in node.items()}
        if "const" in found and found.get("enum") == [found["const"]]:
            del found["enum"]
        return found
    if isinstance(node, list):
        return [_normal(item) for item in node]
    return node


def test_the_shipped_schema_is_generated_from_the_model() -> None:
    import json

    import pydantic

    pinned = (ROOT / "requirements-dev.lock").read_text()
    if (
        f"pydantic=={pydantic.VERSION} " not in pinned
        and f"pydantic=={pydantic.VERSION}\n" not in pinned
    ):
        # another pydantic (the lowest bounds' check) renders the same schema a little apart
        assert _normal(json.loads(shipped_schema_text())) == _normal(json.loads(schema_text()))
        return
    assert shipped_schema_text() == schema_text(), (
        "the run record model changed: run `python -m reproenv.runs.schema` and commit "
        f"src/reproenv/data/{SCHEMA_FILE} (and a new schema-version if a field changed meaning)"
    )


def test_the_wheel_ships_the_schema() -> None:
    """hatch packages src/reproenv whole; nothing excludes the data file."""
    assert (ROOT / "src" / "reproenv" / "data" / SCHEMA_FILE).is_file()
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert wheel["targets"]["wheel"]["packages"] == ["src/reproenv"]
    assert "exclude" not in wheel["targets"]["wheel"]


def test_a_record_validates_and_a_broken_one_does_not() -> None:
    import json

    data = json.loads(dump(record()))
    jsonschema.Draft202012Validator(shipped_schema()).validate(data)
    for broken in ({**data, "extra": 1}, {**data, "state": "done"}, {**data, "schema-version": 2}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(shipped_schema()).validate(broken)
    del data["image"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(shipped_schema()).validate(data)
    assert RunRecord.model_json_schema(by_alias=True)["additionalProperties"] is False
