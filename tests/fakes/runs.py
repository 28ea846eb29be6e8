"""A project, lock and fake engine for run-record tests: the engine's `run` calls a script the
test writes (what the "container" does to the mounted project), and `capture` records docker
kill calls."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reproenv.cli.recorded_run import RunTarget
from reproenv.engine import Builder, EngineInfo, RunOptions
from reproenv.host.report import Gpu, HostGpuReport
from reproenv.lock.model import Lock
from reproenv.runs.image import image_state
from reproenv.spec.load import load_spec
from tests.fakes.plans import make_build_plan

IMAGE_ID = "sha256:" + "1f" * 32
Behaviour = Callable[[Sequence[str], RunOptions], int]


def make_lock(**overrides: Any) -> Lock:
    data: dict[str, Any] = {
        "reproenv_version": "0.1.0",
        "input_hash": "sha256:" + "0" * 64,
        "python": "3.11",
        "platforms": ("linux/amd64",),
        "resolver": "uv 0.6",
        "wheel_platforms": ("x86_64-manylinux_2_28",),
        "images": (),
        "apt_requested": (),
        "apt_packages": (),
        "pip_packages": (),
        **overrides,
    }
    return Lock(**data)


def make_project(folder: Path, outputs: Sequence[str] = ("metrics.json",)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "requirements.in").write_text("")
    listed = ", ".join(f'"{o}"' for o in outputs)
    (folder / "reproenv.toml").write_text(
        f'name = "demo"\n[pip]\nrequirements = ["requirements.in"]\n'
        f'[run]\ninputs = ["data"]\noutputs = [{listed}]\n'
    )
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "raw.csv").write_text("a,b\n1,2\n")
    return folder


@dataclass
class FakeEngine:
    behaviour: Behaviour = lambda command, options: 0
    image_id: str = IMAGE_ID
    runs: list[tuple[str, Sequence[str], RunOptions]] = field(default_factory=list)
    captured: list[list[str]] = field(default_factory=list)

    def info(self, *, capability: bool = False) -> EngineInfo:
        return EngineInfo("/usr/bin/docker", "20.10.24", "20.10.24", Builder.BUILDKIT)

    def build(self, **kwargs: Any) -> None:
        raise AssertionError("no builds here")

    def capture(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.captured.append(list(args))
        return subprocess.CompletedProcess(list(args), 0, "", "")

    def image_inspect(self, image: str) -> dict[str, Any] | None:
        return {"Id": self.image_id, "RepoDigests": []} if self.image_id else None

    def run(self, image: str, command: Sequence[str], options: RunOptions) -> int:
        self.runs.append((image, command, options))
        return self.behaviour(command, options)


def make_target(project: Path, engine: FakeEngine, lock: Lock | None = None) -> RunTarget:
    spec = load_spec(project)
    plan = make_build_plan(name="demo")
    inspect = engine.image_inspect(plan.image_tag)
    image = None if inspect is None else image_state(plan.image_tag, inspect)
    return RunTarget(spec, lock or make_lock(), plan, engine, engine.info(), image)  # type: ignore[arg-type]


NO_GPU = HostGpuReport("none", (), None, None, None)
ONE_GPU = HostGpuReport(
    "nvml",
    (Gpu(0, "NVIDIA H200", (9, 0), 150_000_000_000, "GPU-1234"),),
    "580.95.05",
    (13, 0),
    True,
)


def env_of(options: RunOptions) -> Mapping[str, str]:
    return dict(item.split("=", 1) for item in options.env if "=" in item)
