"""Benchmark the conda locker: py-rattler's solve of a synthetic 5,000-record channel (cold and
warm cache) and `reproenv lock` of examples/conda-env end to end, against the test bed's local
channel served on loopback as conda-forge's mirror (conda channels cannot be reached here).

It prints a table, writes benchmarks/results/conda.json and exits 0 even when a target is missed
(it is a report, not a test); it exits 1 only when a command fails. Published references to
compare with: conda-lock needing 45 min to 3 h for a pangeo pytorch image in CI, pixi 1 min 30 s
for a comparable environment (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fakes.conda_channel import (  # noqa: E402 - the repository's own test bed
    ChannelServer,
    build_channel,
    standard_packages,
    synthetic_repodata,
)
from tests.fakes.conda_synthetic import synthetic_names  # noqa: E402
from tests.fakes.package_index import FakeIndex, FakePackage  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "conda.json"
SOLVE_WARM_TARGET = 0.2  # seconds
LOCK_WARM_TARGET = 2.0  # seconds
TOP_NAMES = 40  # what the synthetic solve asks for


def solve_synthetic(scratch: Path, repeat: int) -> dict[str, float]:
    import rattler

    channel = synthetic_repodata(scratch / "channels" / "synthetic", 5000)
    names = synthetic_names(channel)[:TOP_NAMES]
    cache = scratch / "rattler-cache"
    with ChannelServer(channel.parent) as server:
        url = server.url("synthetic")

        def once() -> tuple[float, int]:
            gateway = rattler.Gateway(cache_dir=cache)
            start = time.perf_counter()
            records = asyncio.run(
                rattler.solve([url], names, gateway=gateway, platforms=["linux-64", "noarch"])
            )
            return time.perf_counter() - start, len(records)

        cold, solved = once()
        warm = [once()[0] for _ in range(repeat)]
    return {"cold": cold, "warm": statistics.median(warm), "records": solved}


def lock_example(scratch: Path, repeat: int) -> dict[str, float]:
    from reproenv.lock.conda.installer import INSTALLER, installer_version

    project = scratch / "conda-env"
    shutil.copytree(REPO / "examples" / "conda-env", project)
    spec = project / "reproenv.toml"
    spec.write_text(spec.read_text() + '\n[pip]\nindex-url = "${BENCH_INDEX}"\n')
    build_channel(scratch / "mirror" / "conda-forge", standard_packages())
    packages = [FakePackage(INSTALLER, installer_version()), FakePackage("tyro", "0.8.14")]
    reproenv = shutil.which("reproenv") or str(Path(sys.executable).parent / "reproenv")
    samples = []
    with ChannelServer(scratch / "mirror") as server, FakeIndex(packages).serve() as index:
        env = {
            **os.environ,
            "REPROENV_CONDA_MIRROR": server.address,
            "BENCH_INDEX": index.url,
            "REPROENV_CACHE_DIR": str(scratch / "reproenv-cache"),
        }
        for attempt in range(repeat + 1):  # the first warms the caches, untimed
            for output in ("reproenv.lock", "requirements.lock"):
                (project / output).unlink(missing_ok=True)
            start = time.perf_counter()
            done = subprocess.run(
                [reproenv, "lock"], cwd=project, env=env, capture_output=True, text=True
            )
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"reproenv lock failed:\n{done.stderr}")
            if attempt:
                samples.append(elapsed)
    return {"warm": statistics.median(samples)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reproenv-bench-conda-") as folder:
        scratch = Path(folder)
        solve = solve_synthetic(scratch, args.repeat)
        lock = lock_example(scratch, args.repeat)
    rows = [
        ("py-rattler solve, 5,000 records, cold cache", solve["cold"], None),
        (f"py-rattler solve, 5,000 records, warm (median of {args.repeat})", solve["warm"],
         SOLVE_WARM_TARGET),
        (f"reproenv lock examples/conda-env, warm (median of {args.repeat})", lock["warm"],
         LOCK_WARM_TARGET),
    ]  # fmt: skip
    for name, value, target in rows:
        verdict = "info" if target is None else ("pass" if value <= target else "MISS")
        bound = f"<= {target:.1f} s" if target is not None else "-"
        print(f"{name:<62} {value:7.3f} s  {bound:>9}  {verdict}")
    print(f"(the synthetic solve picked {solve['records']} records for {TOP_NAMES} names)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"solve": solve, "lock": lock}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
