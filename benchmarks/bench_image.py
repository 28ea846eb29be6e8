"""Benchmark the image reproenv builds against the Dockerfiles a user would write by hand.

One run on a scratch copy of examples/sklearn-cpu (scipy, the one heavy package, and a few small
ones), the same digest-pinned base for every file, side by side:

- a plain pip Dockerfile (`pip install -r requirements.txt`, the unpinned inputs);
- a hand-written uv Dockerfile in the pattern of uv's Docker guide (uv from PyPI, a uv cache
  mount, `uv pip install --require-hashes` of the same pins reproenv locked);
- reproenv's generated Dockerfile.

Rows: the cold build (`--no-cache`, after `docker builder prune` so that no cache mount is warm),
the rebuild after adding `tqdm` (the edit a user makes: tqdm in requirements.in, relocked with
`reproenv lock`, whose new pins the uv file takes too; then `reproenv build`, or `docker build`
for the others; the lock is not timed), how many of the image's layers the
rebuild kept, and the image sizes. It prints a table, writes benchmarks/results/image.json and
exits 0 even when a target is missed (a report, not a test); 1 only when a command fails.
`docker builder prune` empties the engine's whole build cache: run it on a machine of your own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import (
    BUILD_PLATFORM,
    PLAIN_TAG,
    CommandFailed,
    Docker,
    log,
    plain_dockerfile,
    run,
    scratch_copy,
    tool,
)

RESULTS = Path(__file__).resolve().parent / "results" / "image.json"
PROJECT_NAME = "reproenv-bench-image"
UV_TAG = "bench-uv"
OURS_TAG = "bench-reproenv-image"
COLD_VS_PIP, COLD_VS_UV, REBUILD_VS_COLD = 0.6, 1.05, 0.25
_BASE_ARG = re.compile(r"^ARG BASE_IMAGE=(\S+)$", re.MULTILINE)
_BUILT = re.compile(r"built (\S+:[0-9a-f]+)")


def uv_dockerfile(base: str, uv_version: str, with_ca: bool) -> str:
    """uv's Docker guide, with uv from PyPI (no registry is reachable for its image)."""
    ca = "--mount=type=secret,id=ca,target=/run/secrets/ca.pem " if with_ca else ""
    pip_cert = "PIP_CERT=/run/secrets/ca.pem " if with_ca else ""
    uv_cert = "SSL_CERT_FILE=/run/secrets/ca.pem " if with_ca else ""
    return (
        "# A hand-written uv Dockerfile in the pattern of uv's Docker guide (benchmark baseline).\n"
        f"FROM {base}\n"
        f"RUN {ca}python3 -m venv /opt/uv && {pip_cert}/opt/uv/bin/pip install uv=={uv_version}\n"
        "ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never\n"
        "RUN /opt/uv/bin/uv venv /opt/venv\n"
        "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH\n"
        "WORKDIR /app\n"
        "COPY requirements.txt .\n"
        f"RUN --mount=type=cache,target=/root/.cache/uv {ca}\\\n"
        f"    {uv_cert}/opt/uv/bin/uv pip install --require-hashes -r requirements.txt\n"
        "COPY . .\n"
        'CMD ["python3", "train.py"]\n'
    )


def layers(docker: Docker, tag: str, cwd: Path) -> list[str]:
    text = docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", tag, cwd=cwd)[1]
    return list(json.loads(text))


def kept(before: list[str], after: list[str]) -> int:
    """How many leading layers the rebuild kept as they were."""
    count = 0
    for old, new in zip(before, after, strict=False):
        if old != new:
            break
        count += 1
    return count


def built_tag(docker: Docker, output: str, cwd: Path) -> str:
    found = _BUILT.search(output)
    if found is None:
        raise CommandFailed(["reproenv", "build"], f"did not say what it built:\n{output}")
    docker.remember(found.group(1), cwd)
    return found.group(1)


def cold(docker: Docker, args: list[str], folder: Path, tag: str) -> float:
    docker("builder", "prune", "-af", cwd=folder)  # no warm cache mount either
    elapsed, _ = docker(*args, "--no-cache", "-t", tag, ".", cwd=folder)
    docker.remember(tag, folder)
    log(f"{tag}: cold build {elapsed:.1f} s")
    return elapsed


def prepare(scratch: Path, ca: str | None) -> tuple[Path, Path, Path, str]:
    reproenv = tool("reproenv")
    ours = scratch_copy(scratch, PROJECT_NAME)
    run([reproenv, "init"], cwd=ours)
    run([reproenv, "generate"], cwd=ours)
    found = _BASE_ARG.search((ours / "Dockerfile").read_text(encoding="utf-8"))
    if found is None:
        raise CommandFailed([reproenv, "generate"], "wrote no ARG BASE_IMAGE=")
    base, mirror = found.group(1), os.environ.get("REPROENV_REGISTRY_MIRROR")
    if mirror and base.startswith("docker.io/"):
        base = mirror + base.removeprefix("docker.io")
    plain = scratch_copy(scratch / "plain", PROJECT_NAME)
    shutil.copy(plain / "requirements.in", plain / "requirements.txt")
    (plain / "Dockerfile").write_text(plain_dockerfile(base, bool(ca)), encoding="utf-8")
    uv = scratch_copy(scratch / "uv", PROJECT_NAME)
    shutil.copy(ours / "requirements.lock", uv / "requirements.txt")  # the same pins
    version = subprocess.run([tool("uv"), "--version"], capture_output=True, text=True).stdout
    (uv / "Dockerfile").write_text(uv_dockerfile(base, version.split()[1], bool(ca)))
    return ours, plain, uv, base


def add_tqdm(ours: Path, plain: Path, uv: Path) -> None:
    """The edit each user makes: the input for reproenv and pip, new hashed pins for uv."""
    for folder in (ours, plain):
        with (folder / "requirements.in").open("a", encoding="utf-8") as handle:
            handle.write("tqdm\n")
    shutil.copy(plain / "requirements.in", plain / "requirements.txt")
    run([tool("reproenv"), "lock"], cwd=ours)
    shutil.copy(ours / "requirements.lock", uv / "requirements.txt")


def bench(docker: Docker, scratch: Path) -> dict[str, object]:
    ca = os.environ.get("REPROENV_CA_CERT")
    ours, plain, uv, base = prepare(scratch, ca)
    docker("pull", "-q", base, cwd=scratch)
    secret = ["--secret", f"id=reproenv-ca,src={ca}"] if ca else []
    theirs_secret = ["--secret", f"id=ca,src={ca}"] if ca else []
    ours_args = [
        "build",
        "--platform",
        BUILD_PLATFORM,
        *secret,
        "--build-arg",
        f"BASE_IMAGE={base}",
    ]
    theirs = ["build", *theirs_secret]
    times = {
        "cold_reproenv": cold(docker, ours_args, ours, OURS_TAG),
        "cold_pip": cold(docker, theirs, plain, PLAIN_TAG),
        "cold_uv": cold(docker, theirs, uv, UV_TAG),
    }
    sizes = {name: docker.size(tag, scratch) for name, tag in
             (("reproenv", OURS_TAG), ("pip", PLAIN_TAG), ("uv", UV_TAG))}  # fmt: skip
    # warm the engine's cache for reproenv's own flags, as a user's earlier build would have
    _, output = run([tool("reproenv"), "build"], cwd=ours)
    before_ours = layers(docker, built_tag(docker, output, scratch), scratch)
    before = {"pip": layers(docker, PLAIN_TAG, scratch), "uv": layers(docker, UV_TAG, scratch)}
    add_tqdm(ours, plain, uv)
    times["rebuild_reproenv"], output = run([tool("reproenv"), "build"], cwd=ours)
    after_ours = layers(docker, built_tag(docker, output, scratch), scratch)
    for name, folder, tag in (("pip", plain, PLAIN_TAG), ("uv", uv, UV_TAG)):
        times[f"rebuild_{name}"], _ = docker(*theirs, "-t", tag, ".", cwd=folder)
        docker.remember(tag, scratch)
    after = {"pip": layers(docker, PLAIN_TAG, scratch), "uv": layers(docker, UV_TAG, scratch)}
    return {
        "times_s": times,
        "sizes_bytes": sizes,
        "layers_kept": {
            "reproenv": [kept(before_ours, after_ours), len(after_ours)],
            **{name: [kept(before[name], after[name]), len(after[name])] for name in before},
        },
    }


def table(result: dict[str, object]) -> str:
    t: dict[str, float] = result["times_s"]  # type: ignore[assignment]
    s: dict[str, int] = result["sizes_bytes"]  # type: ignore[assignment]
    k: dict[str, list[int]] = result["layers_kept"]  # type: ignore[assignment]
    cold_ok = t["cold_reproenv"] <= min(COLD_VS_PIP * t["cold_pip"], COLD_VS_UV * t["cold_uv"])
    rebuild_ok = t["rebuild_reproenv"] <= REBUILD_VS_COLD * t["cold_reproenv"]
    rows = [
        ("cold build, --no-cache, cache mounts empty",
         (t["cold_reproenv"], t["cold_pip"], t["cold_uv"]),
         f"<= {COLD_VS_PIP}x pip, <= {COLD_VS_UV}x uv", cold_ok),
        ("rebuild after adding tqdm", (t["rebuild_reproenv"], t["rebuild_pip"], t["rebuild_uv"]),
         f"<= {REBUILD_VS_COLD}x reproenv's cold", rebuild_ok),
        ("image size (MB)", (s["reproenv"] / 1e6, s["pip"] / 1e6, s["uv"] / 1e6),
         "<= pip's", s["reproenv"] <= s["pip"]),
    ]  # fmt: skip
    head = f"{'row':<44} {'reproenv':>9} {'pip':>9} {'uv':>9}  {'vs pip':>7} {'vs uv':>7}  target"
    lines = [head]
    for name, (ours, pip, uv), target, passed in rows:
        lines.append(
            f"{name:<44} {ours:9.2f} {pip:9.2f} {uv:9.2f}  {ours / pip:6.2f}x {ours / uv:6.2f}x  "
            f"{target}: {'pass' if passed else 'MISS'}"
        )
    share = t["rebuild_reproenv"] / t["cold_reproenv"]
    lines.append(
        "layers kept by the tqdm rebuild: "
        + ", ".join(f"{name} {done}/{total}" for name, (done, total) in k.items())
        + f"; reproenv's rebuild is {share:.2f}x its cold build"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    docker = Docker(
        os.environ.get("REPROENV_DOCKER") or "docker", {**os.environ, "DOCKER_BUILDKIT": "1"}
    )
    with tempfile.TemporaryDirectory(prefix="reproenv-bench-image-") as temp:
        scratch = Path(temp)
        os.environ["REPROENV_CACHE_DIR"] = str(scratch / "cache")
        try:
            result = bench(docker, scratch)
        except CommandFailed as error:
            print(f"bench: a command failed: {error}", file=sys.stderr)
            return 1
        finally:
            for image in reversed(docker.created):
                docker.remove(image, scratch)
    print(table(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"results: {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
