"""A fake GPU host for the probe (`reproenv.host.probe`), answering from real captures.

No test may depend on whether the machine running it has a GPU, so the suite never lets the
probe reach this host: `FakeGpuHost.install` makes `probe_host` (as the callers in src look it
up, lazily) answer for a fake host, by running the real probe over seams that answer from the
captures in tests/fixtures/gpu/, and makes the real ways out (pynvml, `nvidia-smi` and
`docker info` through the command runner, /proc) raise `RealGpuProbeReached`, so a test that
calls the probe with a seam left to its default fails. A `reproenv`
process started by the tests gets the same through `REPROENV_LAUNCH` (see `launch`), which
reads the fake host's name from REPROENV_TEST_GPU_HOST.
"""

from __future__ import annotations

import csv
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import runpy
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import CompletedProcess
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a reproenv process started by the tests imports this module: keep it light
    import pytest

    from reproenv.host.report import HostGpuReport

REPO = Path(__file__).resolve().parents[2]
GPU_FIXTURES = REPO / "tests" / "fixtures" / "gpu"
H100_HOST = "h100-driver580-cuda13"  # one H100, driver 580.159.04, CUDA 13.0, no docker
CAPTURES = GPU_FIXTURES / H100_HOST
BARE_HOST = "none"  # no NVML library, no nvidia-smi, no driver: what CI machines are
HOST_VARIABLE = "REPROENV_TEST_GPU_HOST"
# where the fake hosts' /proc would be: never there, so /proc says no driver is loaded
NO_PROC = GPU_FIXTURES / "no-proc"


class RealGpuProbeReached(AssertionError):
    """A test reached this machine's GPUs or driver: give the probe a fake instead."""


class NVMLError(Exception):
    """Stands for pynvml.NVMLError (its subclasses carry the NVML return code)."""


class FakeNvml:
    """Answers the NVML calls with what nvidia-ml-py returned on the captured host."""

    NVMLError = NVMLError

    def __init__(self, capture: dict[str, Any], *, as_bytes: bool = False) -> None:
        self.capture = capture
        self.as_bytes = as_bytes  # nvidia-ml-py before 11.5 returned bytes
        self.initialised = False

    def _str(self, value: str) -> str | bytes:
        return value.encode() if self.as_bytes else value

    def nvmlInit(self) -> None:
        self.initialised = True

    def nvmlShutdown(self) -> None:
        self.initialised = False

    def nvmlSystemGetDriverVersion(self) -> str | bytes:
        return self._str(self.capture["driver"])

    def nvmlSystemGetCudaDriverVersion(self) -> int:
        return int(self.capture["cuda_driver"])

    def nvmlDeviceGetCount(self) -> int:
        return 1

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        if index != 0:
            raise NVMLError("Invalid Argument")
        return index

    def nvmlDeviceGetName(self, handle: int) -> str | bytes:
        return self._str(self.capture["name"])

    def nvmlDeviceGetCudaComputeCapability(self, handle: int) -> tuple[int, int]:
        major, minor = self.capture["cc"]
        return major, minor

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        return SimpleNamespace(total=self.capture["mem"], free=0, used=0)

    def nvmlDeviceGetUUID(self, handle: int) -> str | bytes:
        # not in the capture: answer as NVML does for an unsupported query
        raise NVMLError("Not Supported")


class NoNvml(FakeNvml):
    """pynvml installed, libnvidia-ml.so absent: nvmlInit fails as it does on such hosts."""

    def __init__(self) -> None:
        super().__init__({})

    def nvmlInit(self) -> None:
        raise NVMLError("NVML Shared Library Not Found")


@dataclass
class FakeNvidiaSmi:
    """A command runner answering `nvidia-smi` from the captures; other commands are absent.

    `--query-gpu` answers any subset of the captured query's columns, in the asked order,
    with or without the header, as nvidia-smi does.
    """

    xml: str = field(default_factory=lambda: (CAPTURES / "nvidia-smi-q.xml").read_text())
    query_csv: str | None = field(
        default_factory=lambda: (CAPTURES / "nvidia-smi-query.txt").read_text()
    )
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, argv: Sequence[str]) -> CompletedProcess[str]:
        argv = list(argv)
        self.calls.append(argv)
        if argv[0] != "nvidia-smi":
            raise FileNotFoundError(2, "No such file or directory", argv[0])
        if argv[1:] == ["-q", "-x"]:
            return CompletedProcess(argv, 0, self.xml, "")
        query = next(a for a in argv if a.startswith("--query-gpu=")).split("=", 1)[1]
        if self.query_csv is None:
            return CompletedProcess(argv, 2, "", 'Field "compute_cap" is not a valid field\n')
        rows = list(csv.reader(self.query_csv.splitlines(), skipinitialspace=True))
        header = [name.split(" [")[0] for name in rows[0]]  # "memory.total [MiB]"
        columns = [header.index(name) for name in query.split(",")]
        body = rows[1:] if "noheader" in argv[-1] else [rows[0], *rows[1:]]
        lines = [", ".join(row[c] for c in columns) for row in body]
        return CompletedProcess(argv, 0, "\n".join(lines) + "\n", "")

    def ran(self, flag: str) -> bool:
        return any(any(a.startswith(flag) for a in call) for call in self.calls)


def no_commands(argv: Sequence[str]) -> CompletedProcess[str]:
    raise FileNotFoundError(2, "No such file or directory", argv[0])


def no_docker() -> None:
    return None


@dataclass
class FakeGpuHost:
    """The GPU host the probe sees: `BARE_HOST`, or a capture folder's name (`H100_HOST`)."""

    name: str = BARE_HOST

    def seams(self) -> dict[str, Any]:
        """probe_host's keyword arguments that stand for this host."""
        if self.name == BARE_HOST:
            return {"nvml": NoNvml(), "run": no_commands, "proc_root": NO_PROC}
        folder = GPU_FIXTURES / self.name
        if not (folder / "pynvml.json").is_file():
            raise ValueError(f"no GPU host capture {self.name!r} in {GPU_FIXTURES}")
        capture = json.loads((folder / "pynvml.json").read_text())
        smi = FakeNvidiaSmi(
            xml=(folder / "nvidia-smi-q.xml").read_text(),
            query_csv=(folder / "nvidia-smi-query.txt").read_text(),
        )
        return {"nvml": FakeNvml(capture), "run": smi, "proc_root": NO_PROC}

    def install(self, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
        """From now on (until `monkeypatch` undoes it) the probe answers for this host."""
        import reproenv.host.probe as probe

        patch = _Patcher(monkeypatch)
        real = _unwrapped(probe.probe_host)  # installed twice (`use`): the real one still
        seams = self.seams()

        def probe_fake_host(*, docker: str = "docker", **_: object) -> HostGpuReport:
            return real(**seams, docker_info=no_docker, docker=docker)

        probe_fake_host.__wrapped__ = real  # type: ignore[attr-defined]
        patch(probe, "probe_host", probe_fake_host)
        _wall_off(probe, patch)

    def use(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Switches to another fake host, in this process and for the processes started next."""
        self.name = name
        monkeypatch.setenv(HOST_VARIABLE, name)
        self.install(monkeypatch)


def _wall_off(probe: ModuleType, patch: _Patcher) -> None:
    """The probe's defaults (seams left as None) lead to the machine: they raise instead."""
    real_proc = _unwrapped(probe.probe_proc)

    def run_command(argv: Sequence[str]) -> CompletedProcess[str]:
        raise RealGpuProbeReached(f"the GPU probe ran `{' '.join(argv)}` on this machine")

    def probe_proc(proc_root: Path, notes: list[str]) -> object:
        if proc_root.resolve() == Path("/proc"):
            raise RealGpuProbeReached("the GPU probe read this machine's /proc")
        return real_proc(proc_root, notes)

    probe_proc.__wrapped__ = real_proc  # type: ignore[attr-defined]
    patch(probe, "run_command", run_command)
    patch(probe, "probe_proc", probe_proc)
    # the import the probe makes for nvml=None finds this instead of the real pynvml; a test
    # of a host without nvidia-ml-py puts None there itself
    patch.module("pynvml", _WalledPynvml("pynvml"))


def _unwrapped(function: Callable[..., Any]) -> Callable[..., Any]:
    return getattr(function, "__wrapped__", function)  # type: ignore[no-any-return]


class _WalledPynvml(ModuleType):
    def __getattr__(self, name: str) -> Any:
        if not name.startswith(("nvml", "NVML")):  # tools that walk sys.modules look too
            raise AttributeError(name)
        raise RealGpuProbeReached(f"the GPU probe called this machine's pynvml.{name}")


class _Patcher:
    """setattr through monkeypatch when there is one (tests), for good otherwise (a process
    the tests started, which ends with its command)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch | None) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, target: ModuleType, name: str, value: Callable[..., Any]) -> None:
        if self.monkeypatch is None:
            setattr(target, name, value)
        else:
            self.monkeypatch.setattr(target, name, value)

    def module(self, name: str, module: ModuleType) -> None:
        if self.monkeypatch is None:
            sys.modules[name] = module
        else:
            self.monkeypatch.setitem(sys.modules, name, module)


# -- a reproenv process on the fake host ----------------------------------------------------


class _OnProbeImport(importlib.abc.MetaPathFinder):
    """Installs the fake host when reproenv first imports its probe, not before: the CLI
    imports only what a command uses, and the tests' processes keep it that way."""

    def __init__(self, host: FakeGpuHost) -> None:
        self.host = host

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != "reproenv.host.probe":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and isinstance(spec.loader, importlib.abc.Loader)
        loader, host = spec.loader, self.host

        class Loader(importlib.abc.Loader):
            def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
                return loader.create_module(spec)

            def exec_module(self, module: ModuleType) -> None:
                loader.exec_module(module)
                host.install()

        spec.loader = Loader()
        return spec


def launch() -> None:
    """`python -m reproenv`, on the fake GPU host named by REPROENV_TEST_GPU_HOST."""
    host = FakeGpuHost(os.environ.get(HOST_VARIABLE, BARE_HOST))
    host.seams()  # an unknown host fails here, before reproenv runs
    sys.meta_path.insert(0, _OnProbeImport(host))
    runpy.run_module("reproenv", run_name="__main__", alter_sys=True)


# what the tests run instead of `python -m reproenv`: the same, on the fake GPU host
REPROENV_LAUNCH = (
    sys.executable,
    "-c",
    f"import sys; sys.path.append({str(REPO)!r}); "
    "from tests.fakes.gpu_host import launch; launch()",
)
