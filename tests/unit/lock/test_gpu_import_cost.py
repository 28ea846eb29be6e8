"""A lock without a GPU framework decides `need = "none"` without loading the CUDA tables
(compat/), which only a lock with one uses; the modules the lock loads beside its resolver
leave them out too. Each case runs in a fresh interpreter, whose modules are its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DECIDE = """
import sys
from pathlib import Path
from reproenv.host.report import HostGpuReport
from reproenv.lock.beside import import_later_steps
from reproenv.lock.gpu import decide_gpu
from reproenv.lock.model import LockedPipPackage
from reproenv.spec.load import load_spec

import_later_steps()
names = sys.argv[1].split(",") if sys.argv[1] else []
packages = tuple(
    LockedPipPackage(name=name, version=version, platforms=("linux/amd64",))
    for name, version in (n.split("==") for n in names)
)
no_gpu = HostGpuReport(source="none", gpus=(), driver_version=None, max_cuda=None,
                       docker_nvidia_runtime=None, notes=())
decided = decide_gpu(load_spec(Path(sys.argv[2]), env={}), packages, probe=lambda: no_gpu)
tables = sorted(m for m in sys.modules if m.startswith("reproenv.compat."))
print(decided.need, ",".join(tables) or "-")
"""


def decide(tmp_path: Path, packages: str) -> list[str]:
    (tmp_path / "reproenv.toml").write_text('gpu-driver = "580.65.06"\n')
    done = subprocess.run(
        [sys.executable, "-c", DECIDE, packages, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_cpu_lock_decides_without_the_cuda_tables(tmp_path: Path) -> None:
    need, tables = decide(tmp_path, "numpy==2.4.6,scikit-learn==1.9.1")
    assert need == "none"
    assert tables == "-"


def test_a_lock_with_cuda_wheels_loads_them(tmp_path: Path) -> None:
    need, tables = decide(tmp_path, "torch==2.11.0,nvidia-cuda-runtime==13.0.96")
    assert need == "cuda"
    assert "reproenv.compat.data_files" in tables.split(",")
