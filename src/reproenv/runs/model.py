"""The run record, `.reproenv/runs/<UTC time>-<id>.json`: a versioned, strict model.

Field names are kebab-case in the file, like the lock's. A new field is a new `schema-version`;
`data/run-record.schema.json` is generated from this model (`python -m reproenv.runs.schema`),
and a test fails when the two disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from reproenv.model_base import StrictModel

SCHEMA_VERSION = 1
State = Literal["running", "completed", "failed", "interrupted"]
REDACTED = "***"


class SpecState(StrictModel):
    file: str = Field(description="the spec file, relative to the project")
    hash: str = Field(description="sha256 of the spec file's bytes")


class LockState(StrictModel):
    content_hash: str = Field(alias="content-hash", description="the lock's content-hash")
    file_hash: str = Field(
        alias="file-hash", description="sha256 of reproenv.lock's text: the image tag and label"
    )


class ImageState(StrictModel):
    tag: str
    id: str = Field(description="the image ID (its config digest)")
    repo_digests: tuple[str, ...] = Field(alias="repo-digests", description="empty until pushed")


class CodeState(StrictModel):
    """The project's git state; `commit` null (and `note` says why) outside a repository."""

    commit: str | None
    dirty: bool | None
    diff_hash: str | None = Field(
        alias="diff-hash",
        description="sha256 of `git diff HEAD --binary` and the untracked files, when dirty",
    )
    changed: tuple[str, ...] = Field(description="the paths git reports changed or untracked")
    note: str | None


class GpuState(StrictModel):
    index: int
    name: str
    memory_bytes: int | None = Field(alias="memory-bytes")
    compute_capability: str = Field(alias="compute-capability")
    uuid: str | None


class EngineState(StrictModel):
    name: str
    client_version: str = Field(alias="client-version")
    server_version: str = Field(alias="server-version")


class HostState(StrictModel):
    os: str
    kernel: str
    machine: str
    cpu_model: str | None = Field(alias="cpu-model")
    cpu_cores: int | None = Field(alias="cpu-cores", description="logical CPUs")
    memory_bytes: int | None = Field(alias="memory-bytes")
    gpus: tuple[GpuState, ...]
    gpu_driver: str | None = Field(alias="gpu-driver")
    cuda: str | None = Field(description="the highest CUDA the driver runs")
    gpu_source: str = Field(alias="gpu-source", description="nvml, nvidia-smi, proc or none")
    engine: EngineState


class PathHash(StrictModel):
    """A declared input or output: a file's sha256, or a folder's over its files in order."""

    path: str
    kind: Literal["file", "folder", "missing"]
    hash: str | None
    files: int
    bytes: int


class Options(StrictModel):
    """The `run` options besides the command and env, as given, so a rerun passes them again."""

    cpu: bool
    user: str | None
    volumes: tuple[str, ...]
    publish: tuple[str, ...]
    network: str | None


class Comparison(StrictModel):
    """A rerun's outputs against the original's."""

    of: str = Field(description="the original run's id")
    identical: tuple[str, ...]
    differing: tuple[str, ...]
    repeatable: bool


class RunRecord(StrictModel):
    schema_version: Literal[1] = Field(alias="schema-version")
    id: str = Field(pattern=r"^[0-9a-f]{8}$")
    state: State
    started: datetime
    ended: datetime | None
    exit_code: int | None = Field(alias="exit-code")
    command: tuple[str, ...] = Field(description="as given; empty: the image's own command")
    deterministic: bool
    env: dict[str, str | None] = Field(
        description="every variable run set in the container, secret-looking values redacted; "
        "null: passed from the host, where it was unset"
    )
    user_env: tuple[str, ...] = Field(alias="user-env", description="the names set with --env")
    options: Options
    spec: SpecState
    lock: LockState
    image: ImageState
    code: CodeState
    host: HostState
    inputs: tuple[PathHash, ...]
    outputs: tuple[PathHash, ...]
    rerun_of: str | None = Field(alias="rerun-of")
    comparison: Comparison | None

    def tags(self) -> dict[str, str]:
        """The record as flat tags, for experiment trackers (MLflow's `reproenv.*` tags)."""
        gpus = self.host.gpus
        gpu = f"{len(gpus)}x {gpus[0].name}" if gpus else "none"
        return {
            "reproenv.run_id": self.id,
            "reproenv.image_id": self.image.id,
            "reproenv.image_digest": (self.image.repo_digests or (self.image.id,))[0],
            "reproenv.lock_hash": self.lock.content_hash,
            "reproenv.spec_hash": self.spec.hash,
            "reproenv.git_commit": self.code.commit or "none",
            "reproenv.git_dirty": str(bool(self.code.dirty)).lower(),
            "reproenv.gpu": gpu,
            "reproenv.gpu_driver": self.host.gpu_driver or "none",
            "reproenv.deterministic": str(self.deterministic).lower(),
        }

    @property
    def ok(self) -> bool:
        return self.state == "completed"
