"""Where a store lies for this host and for the command in the container."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.tracking import store

PROJECT = Path("/home/me/project")
MOUNTS = {PROJECT: "/workspace"}


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sqlite:///mlflow.db", "sqlite:////home/me/project/mlflow.db"),
        ("sqlite:///runs/m.db?timeout=5", "sqlite:////home/me/project/runs/m.db?timeout=5"),
        ("sqlite:////srv/mlflow.db", "sqlite:////srv/mlflow.db"),
        ("file:///srv/mlruns", "file:///srv/mlruns"),
        ("./mlruns", "/home/me/project/mlruns"),
        ("/srv/mlruns", "/srv/mlruns"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("databricks", "databricks"),
        ("databricks-uc", "databricks-uc"),
    ],
)
def test_local_stores_are_made_absolute_against_the_project(uri: str, expected: str) -> None:
    # "databricks" has no scheme, yet MLflow reads it as the workspace, not a folder
    assert store.absolute(uri, PROJECT) == expected


@pytest.mark.parametrize(
    ("uri", "inside"),
    [
        ("sqlite:////home/me/project/mlflow.db", "sqlite:////workspace/mlflow.db"),
        ("file:///home/me/project/mlruns", "file:///workspace/mlruns"),
        ("/home/me/project/mlruns", "/workspace/mlruns"),
        ("/home/me/project", "/workspace"),
        ("sqlite:////home/me/projects.db", None),  # beside the project, not in it
        ("sqlite:////srv/mlflow.db", None),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("https://user:secret@mlflow.example/", "https://user:secret@mlflow.example/"),
    ],
)
def test_the_container_reaches_a_store_through_the_project_mount(
    uri: str, inside: str | None
) -> None:
    assert store.in_container(uri, MOUNTS) == inside


def test_a_servers_uri_has_no_local_path() -> None:
    assert store.local_path("http://127.0.0.1:5000") is None
    assert store.local_path("sqlite:///mlflow.db") == "mlflow.db"
    assert store.local_path("file:///srv/my%20runs") == "/srv/my runs"
