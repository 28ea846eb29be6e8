"""The container engine: one small interface and its Docker implementation.

A foundation below lock/ and build/: lockers that run a tool inside the pinned base image and the
image build both reach the engine through here, so neither depends on the other for it.
"""

from reproenv.engine.docker import (
    LEGACY_NOTE,
    Builder,
    DockerEngine,
    EngineInfo,
    RunOptions,
    run_arguments,
    terminal_modes,
)

__all__ = [
    "LEGACY_NOTE",
    "Builder",
    "DockerEngine",
    "EngineInfo",
    "RunOptions",
    "run_arguments",
    "terminal_modes",
]
