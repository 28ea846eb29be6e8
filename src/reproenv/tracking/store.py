"""Where an MLflow store lies, and how the command in the container reaches it.

Pure: URIs in, URIs out. A local store (SQLite database, file store, or a bare path) is made
absolute against the project folder, the place the command in the container resolves it too
(it runs in the project's mount); the container sees it through the mounts of `reproenv run`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# MLflow 3's own default (`mlflow ui`, `mlflow server`): a SQLite database where it runs
DEFAULT_URI = "sqlite:///mlflow.db"
# the names without a scheme that MLflow takes for a workspace, not a folder
WORKSPACES = ("databricks", "databricks-uc")


def local_path(uri: str) -> str | None:
    """The path a local store's URI names (relative as written), or None for a server's URI."""
    if uri.startswith("sqlite:///"):
        return unquote(uri.removeprefix("sqlite:///").split("?", 1)[0])
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return unquote(parts.path)
    if parts.scheme == "" and uri not in WORKSPACES:
        return uri  # a bare path (MLflow takes it as a file store)
    return None


def with_path(uri: str, path: str) -> str:
    """`uri` with its local path replaced, in the same form (sqlite, file or bare)."""
    if uri.startswith("sqlite:///"):
        query = uri.partition("?")[2]
        return f"sqlite:///{path}" + (f"?{query}" if query else "")
    if urlsplit(uri).scheme == "file":
        return PurePosixPath(path).as_uri() if path.startswith("/") else f"file:{path}"
    return path


def absolute(uri: str, base: Path) -> str:
    """A local store's URI with its path made absolute against `base`; others as they are."""
    path = local_path(uri)
    if path is None:
        return uri
    return with_path(uri, str((base / Path(path).expanduser()).resolve()))


def container_path(path: Path, mounts: Mapping[Path, str]) -> str | None:
    """Where the host's `path` is inside the container, through one of its mounts, or None."""
    for host, inside in mounts.items():
        host = host.resolve()
        if path == host or host in path.parents:
            return str(PurePosixPath(inside, *path.relative_to(host).parts))
    return None


def in_container(uri: str, mounts: Mapping[Path, str]) -> str | None:
    """The URI the command in the container uses for the store of absolute `uri`: a server's
    as it is, a local one rewritten through the mounts, or None when no mount reaches it."""
    path = local_path(uri)
    if path is None:
        return uri
    inside = container_path(Path(path), mounts)
    return None if inside is None else with_path(uri, inside)
