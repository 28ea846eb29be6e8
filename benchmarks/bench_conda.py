"""Benchmark the conda locker: py-rattler's solve of a synthetic 5,000-record channel (cold and
warm cache) and `reproenv lock` of examples/conda-env end to end, against the test bed's local
channel served on loopback as conda-forge's mirror (conda channels cannot be reached here); and,
with a Docker engine, the in-image install of a locked environment (the conda stage, no cache).

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
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
# BuildKit's plain progress: `#7 [conda 3/3] RUN ...` opens a step, `#7 DONE 6.7s` closes it
_STEP = re.compile(r"^#(\d+) \[conda \d+/\d+\] RUN ", re.MULTILINE)
# the install script's last line (render/templates/conda_install.py)
_SUMMARY = re.compile(
    r"(\d+) packages .*\(([\d.]+) MB downloaded and checked in ([\d.]+) s, linked in ([\d.]+) s\)"
)
_BASE_ARG = re.compile(r"^ARG BASE_IMAGE=(\S+)$", re.MULTILINE)


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


def install_in_image(scratch: Path) -> dict[str, Any]:
    """`docker build --target conda --no-cache` of a locked environment: the Debian Python as a
    conda package (30 MB) and a noarch module, with a `pip:` part. The conda stage makes the
    installer's venv, pip-installs the pinned py-rattler, and downloads, checks and links the
    records; the RUN step's own time is read from BuildKit's log."""
    from reproenv.lock.conda.installer import INSTALLER, installer_version
    from tests.conftest import DockerHost
    from tests.e2e.test_conda_image import LABTOOLS, _debian_python, _project

    docker = os.environ.get("REPROENV_DOCKER", "docker")
    mirror = os.environ.get("REPROENV_REGISTRY_MIRROR", "")
    host = DockerHost(docker, mirror, os.environ.get("REPROENV_CA_CERT"))
    python = _debian_python(host)
    build_channel(scratch / "image-channels" / "debian", [python, LABTOOLS], subdirs=("linux-64",))
    reproenv = shutil.which("reproenv") or str(Path(sys.executable).parent / "reproenv")
    packages = [FakePackage("labpip", "1.0")]
    with ChannelServer(scratch / "image-channels") as server, FakeIndex(packages).serve() as index:
        project = _project(scratch / "image", "conda-bench", server.url("debian"), index.url)
        for command in ([reproenv, "lock"], [reproenv, "generate"]):
            done = subprocess.run(command, cwd=project, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command[1:])} failed:\n{done.stderr}")
        match = _BASE_ARG.search((project / "Dockerfile").read_text())
        base = match.group(1) if match else ""
        if mirror and base.startswith("docker.io/"):
            base = mirror + base.removeprefix("docker.io")
        subprocess.run([docker, "pull", "-q", base], capture_output=True, check=True)  # untimed
        ca_cert = os.environ.get("REPROENV_CA_CERT")  # the site's CA, as `reproenv build` passes it
        secret = ["--secret", f"id=reproenv-ca,src={ca_cert}"] if ca_cert else []
        start = time.perf_counter()
        built = subprocess.run(
            [docker, "build", "--progress", "plain", "--no-cache", "--network", "host",
             "--target", "conda", "--build-arg", f"BASE_IMAGE={base}", *secret,
             "-t", "conda-bench", "."],
            cwd=project, capture_output=True, text=True,
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
        )  # fmt: skip
        wall = time.perf_counter() - start
    if built.returncode != 0:
        raise SystemExit(f"docker build failed:\n{built.stderr[-3000:]}")
    subprocess.run([docker, "image", "rm", "-f", "conda-bench"], capture_output=True, check=False)
    return {
        **run_step_times(built.stderr),
        "stage_wall": wall,
        "python_mb": round(sum(len(b) for b in python.files.values()) / 1e6, 1),
        "installer_version": f"{INSTALLER} {installer_version()}",
    }


def run_step_times(log: str) -> dict[str, float]:
    """Where the conda stage's RUN spent its time, from BuildKit's plain log (`#N 4.71 text`
    lines carry the seconds since the step began): the installer's venv until pip first
    speaks, pip until py-rattler is installed, then the script's own summary line."""
    step = _STEP.search(log)
    if step is None:
        return {}
    number = step.group(1)
    lines = re.findall(rf"^#{number} ([\d.]+) (.*)$", log, re.MULTILINE)
    done = re.search(rf"^#{number} DONE ([\d.]+)s$", log, re.MULTILINE)
    first_pip = next(
        (float(t) for t, text in lines if text.startswith(("Collecting", "Looking"))), 0.0
    )
    installed = next(
        (float(t) for t, text in lines if text.startswith("Successfully installed")), 0.0
    )
    summary = next((text for _, text in lines if text.startswith("reproenv conda install:")), "")
    numbers = _SUMMARY.search(summary)
    times: dict[str, float] = {
        "run_step": float(done.group(1)) if done else float("nan"),
        "venv": first_pip,
        "installer": installed - first_pip,
    }
    if numbers:
        times |= {
            "records": int(numbers.group(1)),
            "records_mb": float(numbers.group(2)),
            "fetch": float(numbers.group(3)),
            "link": float(numbers.group(4)),
        }
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true", help="no in-image install row")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reproenv-bench-conda-") as folder:
        scratch = Path(folder)
        solve = solve_synthetic(scratch, args.repeat)
        lock = lock_example(scratch, args.repeat)
        image = None if args.skip_build else install_in_image(scratch)
    rows = [
        ("py-rattler solve, 5,000 records, cold cache", solve["cold"], None),
        (f"py-rattler solve, 5,000 records, warm (median of {args.repeat})", solve["warm"],
         SOLVE_WARM_TARGET),
        (f"reproenv lock examples/conda-env, warm (median of {args.repeat})", lock["warm"],
         LOCK_WARM_TARGET),
    ]  # fmt: skip
    if image is not None:
        rows += [
            ("docker build --target conda, no cache (wall)", image["stage_wall"], None),
            ("  its RUN step, in all", image["run_step"], None),
            ("  installer venv (python3 -m venv)", image["venv"], None),
            ("  py-rattler, pip --require-hashes", image["installer"], None),
            (
                f"  {image.get('records', '?')} records: download + sha256/md5",
                image.get("fetch", float("nan")),
                None,
            ),
            ("  records: link into the prefix", image.get("link", float("nan")), None),
        ]
    for name, value, target in rows:
        verdict = "info" if target is None else ("pass" if value <= target else "MISS")
        bound = f"<= {target:.1f} s" if target is not None else "-"
        print(f"{name:<62} {value:7.3f} s  {bound:>9}  {verdict}")
    print(f"(the synthetic solve picked {solve['records']} records for {TOP_NAMES} names)")
    if image is not None:
        print(
            f"(in-image: a {image['python_mb']} MB Python record and a noarch one, "
            f"{image['installer_version']})"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = {"solve": solve, "lock": lock, "install_in_image": image}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
