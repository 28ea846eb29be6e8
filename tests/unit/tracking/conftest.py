"""A real MLflow SQLite store in a project folder, made once for the module (its tables take
seconds to create); each test keeps to an experiment of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# MLflow's usage reports would reach beyond loopback
QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


@pytest.fixture(scope="module")
def store_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project whose `mlflow.db` (MLflow's default store, made here) holds the runs."""
    project = tmp_path_factory.mktemp("project")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in QUIET.items():
            patch.setenv(name, value)
        from mlflow.tracking import MlflowClient

        with pytest.MonkeyPatch.context() as cwd:
            cwd.chdir(project)
            MlflowClient(tracking_uri=f"sqlite:///{project}/mlflow.db").search_experiments()
        yield project


@pytest.fixture
def experiment(request: pytest.FixtureRequest) -> str:
    return f"test-{request.node.name}"
