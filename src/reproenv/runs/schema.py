"""The JSON Schema of run records, generated from the model and shipped in `reproenv.data`.

`python -m reproenv.runs.schema` rewrites the shipped file; tests/unit/runs/test_schema.py
fails when it and the model disagree.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from reproenv.runs.model import SCHEMA_VERSION, RunRecord

SCHEMA_FILE = "run-record.schema.json"
SCHEMA_ID = f"urn:reproenv:run-record:{SCHEMA_VERSION}"


def generated_schema() -> dict[str, Any]:
    # serialization mode: the file as reproenv writes it, every field present
    schema = RunRecord.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "reproenv run record",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(generated_schema(), indent=2, sort_keys=True) + "\n"


def shipped_schema_text() -> str:
    return files("reproenv.data").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def shipped_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(shipped_schema_text())
    return loaded


def write_schema() -> Path:
    path = Path(str(files("reproenv.data").joinpath(SCHEMA_FILE)))
    path.write_text(schema_text(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_schema())
