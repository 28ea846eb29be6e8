"""The container engine: one small interface, its Docker implementation, and the one choice.

A foundation below lock/ and build/: lockers that run a tool inside the pinned base image and the
image build both reach the engine through here, so neither depends on the other for it. Callers
take a `ContainerEngine` from `open_engine` and never build a concrete engine themselves.
"""

from reproenv.engine.docker import LEGACY_NOTE, DockerEngine, run_arguments, terminal_modes
from reproenv.engine.protocol import Builder, ContainerEngine, EngineInfo, RunOptions
from reproenv.engine.select import open_engine

__all__ = [
    "LEGACY_NOTE",
    "Builder",
    "ContainerEngine",
    "DockerEngine",
    "EngineInfo",
    "RunOptions",
    "open_engine",
    "run_arguments",
    "terminal_modes",
]
