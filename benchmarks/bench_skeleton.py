"""Benchmark the walking skeleton against the tools people would use instead.

One run, in scratch copies of examples/sklearn-cpu under a temp dir, measures side by side:

1. a cold-ish lock (the lock files deleted before each run, caches warm): `reproenv lock`
   vs `uv pip compile` for the same target vs `pip-compile` (host interpreter);
2. `reproenv lock --check` on a fresh lock and `reproenv --help` (start-up cost);
3. Docker builds of the reproenv-generated Dockerfile vs a plain hand-written one: a cold
   `--no-cache` build, a rebuild after a one-line change to train.py, and the image sizes.

It prints a table, writes benchmarks/results/skeleton.json and exits 0 even when a target is
missed (it is a report, not a test); it exits 1 only when a command fails.
Run it with `make bench`; see benchmarks/README.md for what each row means and the caveats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "sklearn-cpu"
RESULTS = REPO / "benchmarks" / "results" / "skeleton.json"

# The scratch project's folder name is reproenv's image name: keep it unlikely to collide
# with images other people build on the same engine.
PROJECT_NAME = "reproenv-bench-sklearn-cpu"
REPROENV_COLD_TAG = "bench-reproenv"
NOMOUNT_TAG = "bench-reproenv-nomount"
PLAIN_TAG = "bench-plain"

UV_TARGET = ("--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28")
BUILD_PLATFORM = "linux/amd64"
COMMAND_TIMEOUT_S = 1800

# another tree's executable on this venv, whose `reproenv` script calls this tree's entry point
# (cli.entry.run; trees before it had only main)
BASELINE_LAUNCH = (
    "import sys; from reproenv.cli import entry; sys.exit(getattr(entry, 'run', entry.main)())"
)

LOCK_RATIO_TARGET = 1.15
CHECK_TARGET_S = 0.10
HELP_TARGET_S = 0.15
REBUILD_SPEEDUP_TARGET = 5.0
SIZE_RATIO_TARGET = 1.0

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)
_BASE_ARG = re.compile(r"^ARG BASE_IMAGE=(\S+)$", re.MULTILINE)
_SECRET_ID = re.compile(r"--mount=type=secret,id=([^,\s]+)")
_CACHE_MOUNT_LINE = re.compile(r"^[ \t]*--mount=type=cache,\S*[ \t]*\\\n", re.MULTILINE)
_BUILT = re.compile(r"built (\S+:[0-9a-f]+)")


class CommandFailed(Exception):
    def __init__(self, command: Sequence[str], detail: str) -> None:
        super().__init__(f"`{' '.join(command)}` {detail}")


@dataclass
class Row:
    measurement: str
    reproenv: float
    other: float | None
    other_tool: str
    unit: str  # "s" or "MB"
    ratio: float | None
    ratio_label: str
    target: str
    passed: bool | None  # None: informational, no target


@dataclass
class Report:
    meta: dict[str, object] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """A tool from PATH (`make bench` puts .venv/bin first), else from the repo's venv."""
    found = shutil.which(name)
    if found:
        return found
    local = REPO / ".venv" / "bin" / name
    if local.is_file():
        return str(local)
    raise CommandFailed([name], "not found on PATH or in .venv/bin")


def clean_env(base: Mapping[str, str], ca_cert: str | None) -> dict[str, str]:
    """The environment without pip/uv settings (what reproenv gives its own uv).

    PIP_CONFIG_FILE=/dev/null makes pip read no pip.conf at all: pip-compile's stand-in for
    the `--no-config` that uv gets (uv never reads pip.conf).
    """
    env = {k: v for k, v in base.items() if not k.startswith(("PIP_", "UV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    if ca_cert:
        env["SSL_CERT_FILE"] = ca_cert
        env["REQUESTS_CA_BUNDLE"] = ca_cert
    return env


def run(
    command: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
) -> tuple[float, str]:
    """Run a command; return (wall seconds, stdout+stderr). Raise CommandFailed on failure."""
    start = time.perf_counter()
    try:
        result = subprocess.run(
            list(command),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=COMMAND_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as error:
        raise CommandFailed(command, f"timed out after {COMMAND_TIMEOUT_S} s") from error
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-30:])
        raise CommandFailed(command, f"exited {result.returncode} in {cwd}:\n{tail}")
    return elapsed, result.stdout


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def pins(text: str) -> dict[str, str]:
    return {re.sub(r"[-_.]+", "-", n).lower(): v for n, v in _PIN.findall(text)}


def scratch_copy(root: Path, name: str) -> Path:
    dest = root / name
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


# --- 1 and 2: lock and start-up -------------------------------------------------------------


def timed_repeat(
    label: str,
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    repeat: int,
    before: Sequence[Path] = (),
) -> tuple[list[float], str]:
    """One untimed warm-up run, then `repeat` timed runs; `before` is deleted before each."""
    samples: list[float] = []
    output = ""
    for attempt in range(repeat + 1):
        for path in before:
            path.unlink(missing_ok=True)
        elapsed, output = run(command, cwd=cwd, env=env)
        if attempt == 0:
            log(f"{label}: warm-up {elapsed:.3f} s (untimed)")
        else:
            log(f"{label}: run {attempt}/{repeat} {elapsed:.3f} s")
            samples.append(elapsed)
    return samples, output


def info_vs_uv(measurement: str, ours: float, uv: float, ratio_label: str) -> Row:
    """A timing row beside uv's with no target."""
    return Row(
        measurement=measurement,
        reproenv=ours,
        other=uv,
        other_tool="uv",
        unit="s",
        ratio=ours / uv,
        ratio_label=ratio_label,
        target="-",
        passed=None,
    )


def bench_locks(
    report: Report, project: Path, scratch: Path, repeat: int, baseline_src: Path | None
) -> None:
    reproenv = tool("reproenv")
    ca_cert = os.environ.get("REPROENV_CA_CERT")
    tool_env = clean_env(os.environ, ca_cert)
    lock_files = [project / "reproenv.lock", project / "requirements.lock"]

    if baseline_src is not None:
        # the same lock from another checkout's src/ on this venv, for a before/after figure;
        # first, so that the pins compared below are this tree's
        baseline_env = {**os.environ, "PYTHONPATH": str(baseline_src.resolve())}
        baseline_s, _ = timed_repeat(
            "reproenv lock, baseline tree",
            [sys.executable, "-c", BASELINE_LAUNCH, "lock"],
            cwd=project,
            env=baseline_env,
            repeat=repeat,
            before=lock_files,
        )
        report.samples["lock_baseline_s"] = baseline_s

    reproenv_s, _ = timed_repeat(
        "reproenv lock",
        [reproenv, "lock"],
        cwd=project,
        env=os.environ,
        repeat=repeat,
        before=lock_files,
    )
    uv_out = scratch / "uv-requirements.txt"
    uv_s, _ = timed_repeat(
        "uv pip compile",
        [tool("uv"), "pip", "compile", "--generate-hashes", *UV_TARGET, "--no-config",
         "requirements.in", "-o", str(uv_out)],
        cwd=project,
        env=tool_env,
        repeat=repeat,
        before=[uv_out],
    )  # fmt: skip
    pip_out = scratch / "pip-compile-requirements.txt"
    pip_s, _ = timed_repeat(
        "pip-compile",
        [tool("pip-compile"), "--generate-hashes", "--no-header", "--quiet",
         "requirements.in", "-o", str(pip_out)],
        cwd=project,
        env=tool_env,
        repeat=repeat,
        before=[pip_out],
    )  # fmt: skip
    report.samples.update({"lock_reproenv_s": reproenv_s, "lock_uv_s": uv_s})
    report.samples["lock_pip_compile_s"] = pip_s
    ours = median(reproenv_s)
    for other, samples in (("uv", uv_s), ("pip-compile", pip_s)):
        ratio = ours / median(samples)
        is_uv = other == "uv"  # the only lock comparison with a target
        report.rows.append(
            Row(
                measurement=f"lock, cold resolve, vs {other} (median of {repeat})",
                reproenv=ours,
                other=median(samples),
                other_tool=other,
                unit="s",
                ratio=ratio,
                ratio_label=f"reproenv/{other}",
                target=f"<= {LOCK_RATIO_TARGET}" if is_uv else "-",
                passed=ratio <= LOCK_RATIO_TARGET if is_uv else None,
            )
        )

    if baseline_src is not None:
        report.rows.append(
            info_vs_uv(
                f"lock, cold resolve, baseline tree, vs uv (median of {repeat})",
                median(report.samples["lock_baseline_s"]),
                median(uv_s),
                "baseline/uv",
            )
        )

    locked = {
        "reproenv": pins((project / "requirements.lock").read_text(encoding="utf-8")),
        "uv": pins(uv_out.read_text(encoding="utf-8")),
        "pip-compile": pins(pip_out.read_text(encoding="utf-8")),
    }
    report.meta["pins"] = locked
    if not (locked["reproenv"] == locked["uv"] == locked["pip-compile"]):
        report.notes.append(
            "the three lockers did not pin the same set: "
            + "; ".join(f"{k}: {len(v)} packages" for k, v in locked.items())
            + " (see meta.pins in the JSON)"
        )


def bench_empty_cache(report: Report, project: Path, scratch: Path, repeat: int) -> None:
    """A cold lock as on a fresh CI runner: uv's cache empty (a new XDG_CACHE_HOME, which both
    uv runs read) as well as the output files; runs alternate between the two tools."""
    reproenv = tool("reproenv")
    tool_env = clean_env(os.environ, os.environ.get("REPROENV_CA_CERT"))
    uv_out = scratch / "uv-empty-cache.txt"
    samples: dict[str, list[float]] = {"reproenv": [], "uv": []}
    for attempt in range(1, repeat + 1):
        for name in ("reproenv", "uv"):
            cache = scratch / f"xdg-cache-{name}-{attempt}"
            if name == "reproenv":
                for path in (project / "reproenv.lock", project / "requirements.lock"):
                    path.unlink(missing_ok=True)
                command = [reproenv, "lock"]
                env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
            else:
                uv_out.unlink(missing_ok=True)
                command = [tool("uv"), "pip", "compile", "--generate-hashes", *UV_TARGET,
                           "--no-config", "requirements.in", "-o", str(uv_out)]  # fmt: skip
                env = {**tool_env, "XDG_CACHE_HOME": str(cache)}
            elapsed, _ = run(command, cwd=project, env=env)
            log(f"{name}, empty uv cache: run {attempt}/{repeat} {elapsed:.3f} s")
            samples[name].append(elapsed)
            shutil.rmtree(cache, ignore_errors=True)
    report.samples["lock_empty_cache_reproenv_s"] = samples["reproenv"]
    report.samples["lock_empty_cache_uv_s"] = samples["uv"]
    report.rows.append(
        info_vs_uv(
            f"lock, empty uv cache, vs uv (median of {repeat})",
            median(samples["reproenv"]),
            median(samples["uv"]),
            "reproenv/uv",
        )
    )


def stamp_files(project: Path) -> list[Path]:
    """The stamp a full `lock --check` of a fresh lock leaves in reproenv's cache."""
    run([tool("reproenv"), "lock", "--check"], cwd=project)
    found = sorted(Path(os.environ["REPROENV_CACHE_DIR"]).glob("check/*.json"))
    if not found:
        raise CommandFailed(["reproenv", "lock", "--check"], "left no stamp")
    return found


def bench_startup(report: Report, project: Path, repeat: int) -> None:
    """Start-up: a repeated check (its stamp in place), a first check (no stamp, as in a fresh
    CI clone), `--help`, and what Python and typer alone cost on this machine."""
    reproenv, python = tool("reproenv"), sys.executable
    check = [reproenv, "lock", "--check"]
    stamps = stamp_files(project)
    rows: list[tuple[str, str, list[str], float | None, Sequence[Path]]] = [
        ("lock_check_s", "reproenv lock --check, fresh lock", check, CHECK_TARGET_S, ()),
        ("lock_check_first_s", "reproenv lock --check, fresh lock, no stamp yet", check, None,
         stamps),
        ("lock_unchanged_s", "reproenv lock, nothing to change", [reproenv, "lock"], None, ()),
        ("lock_unchanged_first_s", "reproenv lock, nothing to change, no stamp yet",
         [reproenv, "lock"], None, stamps),
        ("help_s", "reproenv --help", [reproenv, "--help"], HELP_TARGET_S, ()),
        ("python_s", "python -c pass", [python, "-c", "pass"], None, ()),
        ("typer_s", "python -c 'import typer'", [python, "-c", "import typer"], None, ()),
    ]  # fmt: skip
    for key, label, command, target, before in rows:
        samples, _ = timed_repeat(
            label, command, cwd=project, env=os.environ, repeat=repeat, before=before
        )
        report.samples[key] = samples
        value = median(samples)
        report.rows.append(
            Row(
                measurement=f"{label} (median of {repeat})",
                reproenv=value,
                other=None,
                other_tool="-",
                unit="s",
                ratio=None,
                ratio_label="",
                target=f"<= {target} s" if target else "-",
                passed=value <= target if target else None,
            )
        )
        stamp_files(project)  # the stamp back for the next row


def import_totals(command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> dict[str, float]:
    """`python -X importtime` of one reproenv run: modules imported and their summed self time."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reproenv", *command],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT_S,
    )
    selfs = [
        int(line.split("|")[0].removeprefix("import time:").strip())
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "self [us]" not in line
    ]
    return {"modules": len(selfs), "self_ms": round(sum(selfs) / 1000, 1)}


def bench_imports(report: Report, project: Path, baseline_src: Path | None) -> None:
    """importtime totals of `--help`, a repeated and a first `lock --check`, and a cold `lock`,
    for this tree and, with --baseline-src, for another checkout's src/ on the same venv."""
    lock_files = [project / "reproenv.lock", project / "requirements.lock"]
    cases: list[tuple[str, list[str], bool, Sequence[Path]]] = [
        ("--help", ["--help"], False, ()),
        ("lock --check (stamp)", ["lock", "--check"], False, ()),
        ("lock --check (no stamp)", ["lock", "--check"], True, ()),
        ("lock (cold)", ["lock"], False, lock_files),
    ]
    trees: dict[str, Path | None] = {"this tree": None}
    if baseline_src is not None:
        trees["baseline"] = baseline_src.resolve()
    totals: dict[str, dict[str, dict[str, float]]] = {}
    for tree, src in trees.items():
        env = dict(os.environ)
        if src is not None:
            env["PYTHONPATH"] = str(src)
        for label, command, without_stamp, before in cases:
            run([tool("reproenv"), "lock"], cwd=project)  # a fresh lock
            for path in [*before, *(stamp_files(project) if without_stamp else ())]:
                path.unlink(missing_ok=True)
            totals.setdefault(label, {})[tree] = import_totals(command, cwd=project, env=env)
            log(f"importtime, {tree}, {label}: {totals[label][tree]}")
    run([tool("reproenv"), "lock"], cwd=project)
    report.meta["importtime"] = totals


# --- 3: builds ------------------------------------------------------------------------------


@dataclass
class Docker:
    executable: str
    env: dict[str, str]
    created: list[str] = field(default_factory=list)  # image IDs this run made

    def __call__(self, *args: str, cwd: Path) -> tuple[float, str]:
        return run([self.executable, *args], cwd=cwd, env=self.env)

    def image_id(self, tag: str, cwd: Path) -> str:
        return self("image", "inspect", "-f", "{{.Id}}", tag, cwd=cwd)[1].strip()

    def remember(self, tag: str, cwd: Path) -> str:
        image = self.image_id(tag, cwd)
        if image not in self.created:
            self.created.append(image)
        return image

    def size(self, tag: str, cwd: Path) -> int:
        return int(self("image", "inspect", "-f", "{{.Size}}", tag, cwd=cwd)[1].strip())

    def remove(self, ref: str, cwd: Path) -> None:
        """Best effort; never forced, so an image someone else also tagged stays."""
        subprocess.run(
            [self.executable, "image", "rm", ref],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            check=False,
        )


def plain_dockerfile(base: str, with_ca: bool) -> str:
    mount = "--mount=type=secret,id=ca,target=/run/secrets/ca.pem " if with_ca else ""
    cert = "PIP_CERT=/run/secrets/ca.pem " if with_ca else ""
    return (
        "# A plain hand-written Dockerfile (benchmark baseline, written by bench_skeleton.py).\n"
        f"FROM {base}\n"
        "# Test-bed deviation: this base's system python3 has no pip, so use a venv. It comes\n"
        "# before COPY so that it does not add to the code-change rebuild of this baseline.\n"
        "RUN python3 -m venv /opt/venv\n"
        "ENV PATH=/opt/venv/bin:$PATH\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        f"RUN {mount}{cert}pip install -r requirements.txt\n"
        'CMD ["python3", "train.py"]\n'
    )


# Each run's edits differ from every earlier run's, or BuildKit would find the "rebuilt"
# context in the cache left by the previous run and skip the rebuild entirely.
RUN_TOKEN = uuid.uuid4().hex[:12]


def touch_code(project: Path, attempt: int) -> None:
    with (project / "train.py").open("a", encoding="utf-8") as handle:
        handle.write(f"# benchmark edit {attempt} of run {RUN_TOKEN}\n")


def pip_cache_hits(build_log: str) -> int:
    return build_log.count("Using cached ")


def bench_builds(
    report: Report, docker: Docker, project: Path, scratch: Path, build_repeat: int
) -> None:
    reproenv = tool("reproenv")
    mirror = os.environ.get("REPROENV_REGISTRY_MIRROR")
    ca_cert = os.environ.get("REPROENV_CA_CERT")
    report.meta["docker"] = docker(
        "version", "--format", "client {{.Client.Version}}, server {{.Server.Version}}", cwd=scratch
    )[1].strip()

    run([reproenv, "generate"], cwd=project)
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    match = _BASE_ARG.search(dockerfile)
    if match is None:
        raise CommandFailed([reproenv, "generate"], "wrote a Dockerfile without ARG BASE_IMAGE=")
    base = match.group(1)
    if mirror and base.startswith("docker.io/"):
        base = mirror + base.removeprefix("docker.io")
    secret = _SECRET_ID.search(dockerfile)
    secret_id = secret.group(1) if secret else "reproenv-ca"
    report.meta["base_image"] = base
    log(f"base image {base}; warming it (untimed pull)")
    docker("pull", "-q", base, cwd=scratch)

    plain = scratch_copy(scratch / "plain", PROJECT_NAME)
    (plain / "requirements.txt").write_text(
        (plain / "requirements.in").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (plain / "Dockerfile").write_text(plain_dockerfile(base, bool(ca_cert)), encoding="utf-8")
    nomount_text, removed = _CACHE_MOUNT_LINE.subn("", dockerfile)
    nomount = scratch / "Dockerfile.nomount"
    nomount.write_text(nomount_text, encoding="utf-8")

    secret_args = ["--secret", f"id={secret_id},src={ca_cert}"] if ca_cert else []
    plain_secret = ["--secret", f"id=ca,src={ca_cert}"] if ca_cert else []
    # the same flags `reproenv build` passes, so that its rebuild reuses these layers
    reproenv_args = ["build", "--progress", "plain", "--platform", BUILD_PLATFORM,
                     *secret_args, "--build-arg", f"BASE_IMAGE={base}"]  # fmt: skip
    for tag in (REPROENV_COLD_TAG, NOMOUNT_TAG, PLAIN_TAG):
        docker.remove(tag, scratch)

    # (a) reproenv: cold, then code-only rebuilds through `reproenv build` itself
    log("reproenv: cold build (--no-cache) ...")
    cold_ours, cold_log = docker(
        *reproenv_args, "--no-cache", "-t", REPROENV_COLD_TAG, ".", cwd=project
    )
    docker.remember(REPROENV_COLD_TAG, scratch)
    log(f"reproenv: cold build {cold_ours:.1f} s")
    rebuild_ours: list[float] = []
    tag = REPROENV_COLD_TAG
    for attempt in range(1, build_repeat + 1):
        touch_code(project, attempt)
        elapsed, output = run([reproenv, "build"], cwd=project)
        built = _BUILT.search(output)
        if built is None:
            raise CommandFailed([reproenv, "build"], f"did not say what it built:\n{output}")
        tag = built.group(1)
        docker.remember(tag, scratch)
        rebuild_ours.append(elapsed)
        log(f"reproenv: rebuild {attempt}/{build_repeat} {elapsed:.2f} s ({tag})")
    size_ours = docker.size(tag, scratch)
    report.meta["reproenv_image"] = tag
    hits = pip_cache_hits(cold_log)
    report.meta["reproenv_cold_pip_cache_hits"] = hits
    report.notes.append(
        f"reproenv's cold build took {hits} wheel(s) from its pip cache mount "
        "(--no-cache does not empty cache mounts)"
    )
    run_ours = docker("run", "--rm", tag, cwd=scratch)[1].strip()

    # the same cold build without the pip cache mount (which --no-cache does not empty)
    cold_nomount: float | None = None
    if removed:
        log("reproenv: cold build without the pip cache mount (--no-cache) ...")
        cold_nomount, _ = docker(
            *reproenv_args, "--no-cache", "-f", str(nomount), "-t", NOMOUNT_TAG, ".", cwd=project
        )
        docker.remember(NOMOUNT_TAG, scratch)
        log(f"reproenv: cold build without cache mount {cold_nomount:.1f} s")
    else:
        report.notes.append("no pip cache mount found in the generated Dockerfile")

    # (b) the plain Dockerfile: cold, then the same code-only change
    plain_args = ["build", "--progress", "plain", *plain_secret, "-t", PLAIN_TAG, "."]
    log("plain: cold build (--no-cache) ...")
    cold_plain, _ = docker(*plain_args, "--no-cache", cwd=plain)
    docker.remember(PLAIN_TAG, scratch)
    log(f"plain: cold build {cold_plain:.1f} s")
    rebuild_plain: list[float] = []
    for attempt in range(1, build_repeat + 1):
        touch_code(plain, attempt)
        elapsed, _ = docker(*plain_args, cwd=plain)
        docker.remember(PLAIN_TAG, scratch)
        rebuild_plain.append(elapsed)
        log(f"plain: rebuild {attempt}/{build_repeat} {elapsed:.1f} s")
    size_plain = docker.size(PLAIN_TAG, scratch)
    run_plain = docker("run", "--rm", PLAIN_TAG, cwd=scratch)[1].strip()
    report.meta["train_output"] = {"reproenv": run_ours, "plain": run_plain}

    report.samples.update(
        {
            "build_cold_reproenv_s": [cold_ours],
            "build_cold_plain_s": [cold_plain],
            "build_rebuild_reproenv_s": rebuild_ours,
            "build_rebuild_plain_s": rebuild_plain,
        }
    )
    if cold_nomount is not None:
        report.samples["build_cold_reproenv_no_cache_mount_s"] = [cold_nomount]
    report.meta["image_size_bytes"] = {"reproenv": size_ours, "plain": size_plain}

    report.rows.append(
        Row("cold build, --no-cache", cold_ours, cold_plain, "plain Dockerfile", "s",
            cold_ours / cold_plain, "reproenv/plain", "-", None)
    )  # fmt: skip
    if cold_nomount is not None:
        report.rows.append(
            Row("cold build, --no-cache, no pip cache mount", cold_nomount, cold_plain,
                "plain Dockerfile", "s", cold_nomount / cold_plain, "reproenv/plain", "-", None)
        )  # fmt: skip
    ours, theirs = median(rebuild_ours), median(rebuild_plain)
    report.rows.append(
        Row(f"rebuild after a train.py edit (median of {build_repeat})", ours, theirs,
            "plain Dockerfile", "s", theirs / ours, "speed-up plain/reproenv",
            f">= {REBUILD_SPEEDUP_TARGET:g}x", theirs / ours >= REBUILD_SPEEDUP_TARGET)
    )  # fmt: skip
    size_ratio = size_ours / size_plain
    report.rows.append(
        Row("image size", size_ours / 1e6, size_plain / 1e6, "plain Dockerfile", "MB",
            size_ratio, "reproenv/plain", f"<= {SIZE_RATIO_TARGET:.2f}",
            size_ours <= size_plain)
    )  # fmt: skip
    if size_ours != size_plain:
        report.notes.append(
            f"image size difference reproenv - plain: {size_ours - size_plain:+,} bytes"
        )


# --- report ---------------------------------------------------------------------------------


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def fmt_ratio(ratio: float) -> str:
    """Two decimals, or four when two would print a misleading 1.00."""
    return f"{ratio:.2f}" if abs(ratio - 1) >= 0.005 else f"{ratio:.4f}"


def render_imports(totals: dict[str, dict[str, dict[str, float]]]) -> str:
    lines: list[tuple[str, ...]] = [("python -X importtime", "tree", "modules", "self time")]
    for label, trees in totals.items():
        for tree, values in trees.items():
            lines.append((label, tree, str(int(values["modules"])), f"{values['self_ms']} ms"))
    return align(lines)


def render_table(rows: list[Row]) -> str:
    header = ("measurement", "reproenv", "other tool", "ratio", "target", "result")
    lines: list[tuple[str, ...]] = [header]
    for row in rows:
        other = "-" if row.other is None else f"{row.other_tool} {fmt_value(row.other, row.unit)}"
        ratio = "-" if row.ratio is None else f"{fmt_ratio(row.ratio)}x {row.ratio_label}"
        result = "info" if row.passed is None else ("pass" if row.passed else "MISS")
        lines.append(
            (row.measurement, fmt_value(row.reproenv, row.unit), other, ratio, row.target, result)
        )
    return align(lines)


def align(lines: list[tuple[str, ...]]) -> str:
    """Columns padded to their widest cell, a rule under the header (the first line)."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for number, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(text.rstrip() for text in out)


def versions(scratch: Path) -> dict[str, str]:
    found: dict[str, str] = {"python": platform.python_version(), "machine": platform.machine()}
    for name, args in (
        ("reproenv", ["--version"]),
        ("uv", ["--version"]),
        ("pip-compile", ["--version"]),
    ):
        found[name] = first_line(run([tool(name), *args], cwd=scratch)[1])
    return found


def write_json(report: Any, path: Path) -> None:
    """Any report dataclass (meta, rows, samples, notes) as JSON; rows may be any dataclass."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per lock/start-up row")
    parser.add_argument(
        "--build-repeat", type=int, default=3, help="timed code-only rebuilds per Dockerfile"
    )
    parser.add_argument("--skip-builds", action="store_true", help="only the lock rows")
    parser.add_argument(
        "--empty-cache-repeat",
        type=int,
        default=3,
        help="timed cold locks with uv's cache emptied before each, per tool (0: none)",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="another checkout's src/ whose importtime totals to report beside this tree's",
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.build_repeat < 1 or args.empty_cache_repeat < 0:
        parser.error(
            "--repeat and --build-repeat must be at least 1, --empty-cache-repeat at least 0"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report()
    report.meta.update(
        {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "repeat": args.repeat,
            "build_repeat": args.build_repeat,
            "cpus": os.cpu_count(),
            "ca_cert": os.environ.get("REPROENV_CA_CERT"),
            "registry_mirror": os.environ.get("REPROENV_REGISTRY_MIRROR"),
        }
    )
    report.notes.append(
        "uv pip compile and pip-compile ran with PIP_* and UV_* removed from the environment "
        "(as reproenv does for its uv) and PIP_CONFIG_FILE=/dev/null (no pip.conf); "
        "pip-compile resolves for the host interpreter"
    )
    executable = os.environ.get("REPROENV_DOCKER") or "docker"
    docker = Docker(executable, {**os.environ, "DOCKER_BUILDKIT": "1"})
    with tempfile.TemporaryDirectory(prefix="reproenv-bench-") as temp:
        scratch = Path(temp)
        os.environ["REPROENV_CACHE_DIR"] = str(scratch / "cache")  # not the user's stamps
        try:
            report.meta["versions"] = versions(scratch)
            project = scratch_copy(scratch, PROJECT_NAME)
            run([tool("reproenv"), "init"], cwd=project)
            bench_locks(report, project, scratch, args.repeat, args.baseline_src)
            if args.empty_cache_repeat > 0:
                bench_empty_cache(report, project, scratch, args.empty_cache_repeat)
            bench_startup(report, project, args.repeat)
            bench_imports(report, project, args.baseline_src)
            if not args.skip_builds:
                if not os.environ.get("REPROENV_DOCKER"):
                    report.notes.append("REPROENV_DOCKER was unset; used `docker` from PATH")
                bench_builds(report, docker, project, scratch, args.build_repeat)
        except CommandFailed as error:
            print(f"bench: a command failed: {error}", file=sys.stderr)
            return 1
        finally:
            for image in reversed(docker.created):
                docker.remove(image, scratch)
            if docker.created:
                log(f"removed the {len(docker.created)} bench images")
    print(render_table(report.rows))
    print(render_imports(report.meta.get("importtime", {})))  # type: ignore[arg-type]
    for note in report.notes:
        print(f"note: {note}")
    write_json(report, args.json)
    print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
