"""The strict pydantic base of what reproenv reads from files: the spec, the lock and the data
files. A foundation below every layer, so spec/, compat/ and lock/ share it without importing
each other."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are errors (a typo is not a silent default); instances are values.
    Fields with an alias (`resolver-backend`) also take their Python name when built in code.
    A model's validator is built when it first validates, not when its module loads: most
    models are only ever validated nested in another (a lock's packages in the lock), and a
    command uses few of the data files' (a CPU project's lock builds 10 of some 40)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
