"""Benchmark `reproenv lock` on a realistic dependency set against uv and pip-compile.

One run, in scratch project folders under a temp dir, measures side by side:

1. a cold lock (the outputs deleted before each run, caches warm) of `jupyter`, `pandas`,
   `scikit-learn` and `matplotlib` (about 110 pinned packages): `reproenv lock` vs
   `uv pip compile` for the same target vs `pip-compile` (host interpreter);
2. a relock after one input change: one new top-level requirement appended to a freshly
   locked requirements.in, `reproenv lock` (which keeps the existing pins) vs `uv pip compile`
   onto its existing output file (uv prefers the versions already there).

It prints a table, writes benchmarks/results/lock.json and exits 0 even when a target is
missed (it is a report, not a test); it exits 1 only when a command fails. It reuses the
helpers of bench_skeleton.py; see benchmarks/README.md for the rows and the caveats.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_skeleton as sk  # helpers: run, tool, clean_env, median, versions

RESULTS = sk.REPO / "benchmarks" / "results" / "lock.json"
REQUIREMENTS = ("jupyter", "pandas", "scikit-learn", "matplotlib")
ADDED = "tqdm"  # the relock's one new top-level requirement; not pinned by the set above
MIN_PACKAGES = 60
SPEC = 'name = "bench"\n\n[pip]\nrequirements = ["requirements.in"]\n'
# like bench_skeleton's, but pip-compile writes a pin asked for with extras as `name[extra]==`
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)", re.MULTILINE)


@dataclass
class Row:
    measurement: str
    reproenv: float | None
    uv: float | None
    pip_compile: float | None
    unit: str  # "s" or "pkgs"
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


def timed(
    label: str,
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    repeat: int,
    prepare: Callable[[], None],
) -> list[float]:
    """One untimed warm-up run, then `repeat` timed runs; `prepare` runs (untimed) before each."""
    samples: list[float] = []
    for attempt in range(repeat + 1):
        prepare()
        elapsed, _ = sk.run(command, cwd=cwd, env=env)
        if attempt == 0:
            sk.log(f"{label}: warm-up {elapsed:.3f} s (untimed)")
        else:
            sk.log(f"{label}: run {attempt}/{repeat} {elapsed:.3f} s")
            samples.append(elapsed)
    return samples


def deleter(*paths: Path) -> Callable[[], None]:
    def prepare() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    return prepare


def restorer(snapshot: Mapping[Path, str]) -> Callable[[], None]:
    def prepare() -> None:
        for path, text in snapshot.items():
            path.write_text(text, encoding="utf-8")

    return prepare


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    return {canonical(name): version for name, version in _PIN.findall(text)}


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def ratio_row(
    measurement: str, ours: float, other: float, other_tool: str, target: float | None
) -> Row:
    ratio = ours / other
    return Row(
        measurement=measurement,
        reproenv=ours,
        uv=other if other_tool == "uv" else None,
        pip_compile=other if other_tool == "pip-compile" else None,
        unit="s",
        ratio=ratio,
        ratio_label=f"reproenv/{other_tool}",
        target="-" if target is None else f"<= {target}",
        passed=None if target is None else ratio <= target,
    )


def count_row(measurement: str, counts: Mapping[str, int]) -> Row:
    def get(name: str) -> float | None:
        return float(counts[name]) if name in counts else None

    return Row(measurement, get("reproenv"), get("uv"), get("pip-compile"), "pkgs",
               None, "", "-", None)  # fmt: skip


def compare_pins(report: Report, what: str, locked: Mapping[str, Mapping[str, str]]) -> None:
    (first_tool, first), *rest = locked.items()
    for other_tool, other in rest:
        differ = sorted(
            f"{name} {first.get(name, '-')}/{other.get(name, '-')}"
            for name in first.keys() | other.keys()
            if first.get(name) != other.get(name)
        )
        if differ:
            shown = ", ".join(differ[:8]) + (" ..." if len(differ) > 8 else "")
            report.notes.append(
                f"{what}: {first_tool}/{other_tool} pin {len(differ)} package(s) differently: "
                f"{shown} (all pins: meta.pins_* in the JSON)"
            )


def bench_cold(report: Report, project: Path, scratch: Path, repeat: int, pip_repeat: int) -> None:
    """Row 1 and the cold package counts."""
    tool_env = sk.clean_env(os.environ, os.environ.get("REPROENV_CA_CERT"))
    lock_files = (project / "reproenv.lock", project / "requirements.lock")
    reproenv_s = timed("cold: reproenv lock", [sk.tool("reproenv"), "lock"], cwd=project,
                       env=os.environ, repeat=repeat, prepare=deleter(*lock_files))  # fmt: skip
    uv_out = scratch / "uv-cold.txt"
    uv_s = timed(
        "cold: uv pip compile",
        [sk.tool("uv"), "pip", "compile", "--no-config", "--generate-hashes", *sk.UV_TARGET,
         "requirements.in", "-o", str(uv_out)],
        cwd=project, env=tool_env, repeat=repeat, prepare=deleter(uv_out),
    )  # fmt: skip
    report.samples.update({"cold_reproenv_s": reproenv_s, "cold_uv_s": uv_s})
    locked = {"reproenv": pins(read(lock_files[1])), "uv": pins(read(uv_out))}
    ours = sk.median(reproenv_s)
    report.rows.append(
        ratio_row(f"cold lock vs uv (median of {repeat})", ours, sk.median(uv_s), "uv",
                  sk.LOCK_RATIO_TARGET)
    )  # fmt: skip
    if pip_repeat:
        pip_out = scratch / "pip-compile-cold.txt"
        pip_s = timed(
            "cold: pip-compile",
            [sk.tool("pip-compile"), "--generate-hashes", "--no-header", "--quiet",
             "requirements.in", "-o", str(pip_out)],
            cwd=project, env=tool_env, repeat=pip_repeat, prepare=deleter(pip_out),
        )  # fmt: skip
        report.samples["cold_pip_compile_s"] = pip_s
        locked["pip-compile"] = pins(read(pip_out))
        report.rows.append(
            ratio_row(f"cold lock vs pip-compile (median of {pip_repeat})", ours,
                      sk.median(pip_s), "pip-compile", None)
        )  # fmt: skip
    counts = {name: len(found) for name, found in locked.items()}
    report.rows.append(count_row("packages pinned, cold lock", counts))
    report.meta["pins_cold"] = locked
    compare_pins(report, "cold lock", locked)
    if counts["reproenv"] < MIN_PACKAGES:
        report.notes.append(f"only {counts['reproenv']} packages pinned (expected {MIN_PACKAGES}+)")


def bench_relock(report: Report, project: Path, scratch: Path, repeat: int, added: str) -> None:
    """Row 2: from a fresh lock, append `added` to requirements.in and relock."""
    tool_env = sk.clean_env(os.environ, os.environ.get("REPROENV_CA_CERT"))
    requirements = project / "requirements.in"
    lock_files = (project / "reproenv.lock", project / "requirements.lock")
    uv_out = scratch / "uv-relock.txt"
    uv_compile = [sk.tool("uv"), "pip", "compile", "--no-config", "--generate-hashes",
                  *sk.UV_TARGET, "requirements.in", "-o", str(uv_out)]  # fmt: skip
    # the baseline: a fresh lock of the unchanged set, by each tool
    original = read(requirements)
    for path in (*lock_files, uv_out):
        path.unlink(missing_ok=True)
    sk.run([sk.tool("reproenv"), "lock"], cwd=project)
    sk.run(uv_compile, cwd=project, env=tool_env)
    before = {"reproenv": pins(read(lock_files[1])), "uv": pins(read(uv_out))}
    changed = original.rstrip("\n") + f"\n{added}\n"
    name = canonical(added)
    if name in before["reproenv"]:
        report.notes.append(f"{added} is already pinned by the set: the relock adds no package")

    ours_snapshot = {requirements: changed, **{path: read(path) for path in lock_files}}
    reproenv_s = timed("relock: reproenv lock", [sk.tool("reproenv"), "lock"], cwd=project,
                       env=os.environ, repeat=repeat, prepare=restorer(ours_snapshot))  # fmt: skip
    after_ours = pins(read(lock_files[1]))
    uv_snapshot = {requirements: changed, uv_out: read(uv_out)}
    uv_s = timed("relock: uv pip compile", uv_compile, cwd=project, env=tool_env,
                 repeat=repeat, prepare=restorer(uv_snapshot))  # fmt: skip
    after_uv = pins(read(uv_out))
    requirements.write_text(original, encoding="utf-8")

    report.samples.update({"relock_reproenv_s": reproenv_s, "relock_uv_s": uv_s})
    report.rows.append(
        ratio_row(f"relock, +{added} (median of {repeat})", sk.median(reproenv_s),
                  sk.median(uv_s), "uv", sk.LOCK_RATIO_TARGET)
    )  # fmt: skip
    after = {"reproenv": after_ours, "uv": after_uv}
    report.rows.append(
        count_row(f"packages pinned, relock +{added}", {k: len(v) for k, v in after.items()})
    )
    report.meta["pins_relock"] = after
    compare_pins(report, f"relock +{added}", after)
    for locker, pinned in after.items():
        moved = sorted(p for p, v in before[locker].items() if pinned.get(p, v) != v)
        dropped = sorted(before[locker].keys() - pinned.keys())
        new = sorted(pinned.keys() - before[locker].keys())
        report.meta[f"relock_{locker}_changes"] = {"new": new, "moved": moved, "dropped": dropped}
        if name not in pinned:
            report.notes.append(f"relock: {locker} did not pin {added}")
        if moved or dropped:
            report.notes.append(
                f"relock: {locker} moved {len(moved)} and dropped {len(dropped)} existing pins"
            )


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if unit == "pkgs" else sk.fmt_value(value, unit)


def render_table(rows: list[Row]) -> str:
    header = ("measurement", "reproenv", "uv", "pip-compile", "ratio", "target", "result")
    lines: list[tuple[str, ...]] = [header]
    for row in rows:
        ratio = "-" if row.ratio is None else f"{sk.fmt_ratio(row.ratio)}x {row.ratio_label}"
        result = "info" if row.passed is None else ("pass" if row.passed else "MISS")
        values = (fmt_value(v, row.unit) for v in (row.reproenv, row.uv, row.pip_compile))
        lines.append((row.measurement, *values, ratio, row.target, result))
    return sk.align(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per reproenv/uv row")
    parser.add_argument(
        "--pip-repeat", type=int, default=1, help="timed pip-compile runs (0: skip pip-compile)"
    )
    parser.add_argument("--add", default=ADDED, help="the package name the relock appends")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.pip_repeat < 0:
        parser.error("--repeat must be at least 1 and --pip-repeat at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report()
    report.meta.update(
        {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "requirements": list(REQUIREMENTS),
            "added": args.add,
            "repeat": args.repeat,
            "pip_repeat": args.pip_repeat,
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
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reproenv-bench-lock-") as temp:
        scratch = Path(temp)
        try:
            report.meta["versions"] = sk.versions(scratch)
            project = scratch / "bench"
            project.mkdir()
            (project / "reproenv.toml").write_text(SPEC, encoding="utf-8")
            (project / "requirements.in").write_text(
                "\n".join(REQUIREMENTS) + "\n", encoding="utf-8"
            )
            bench_cold(report, project, scratch, args.repeat, args.pip_repeat)
            bench_relock(report, project, scratch, args.repeat, args.add)
        except sk.CommandFailed as error:
            print(f"bench: a command failed: {error}", file=sys.stderr)
            return 1
    report.meta["wall_s"] = round(time.perf_counter() - start, 1)
    print(render_table(report.rows))
    for note in report.notes:
        print(f"note: {note}")
    sk.write_json(report, args.json)
    print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
