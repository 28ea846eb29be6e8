#!/usr/bin/env bash
# What reproenv sees on a GPU host (no Docker needed): `reproenv doctor --json`, and the GPU
# need and CUDA choice detected from this host's own Python packages.
#   bash scripts/gpu_host_check.sh [OUT_DIR]
# reproenv's dependencies must import: installed, or a site folder for this Python on
# PYTHONPATH (`make device-site` builds build/device-site/pyXY for hosts that cannot download).
set -u
out=${1:-.}
mkdir -p "$out"
py=${PYTHON:-python3}
tag=$("$py" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')
root=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$root/src:$root/build/device-site/$tag${PYTHONPATH:+:$PYTHONPATH}"

echo "== $("$py" --version) ($tag)"
"$py" -m reproenv doctor --json --project "$root/examples/sklearn-cpu" >"$out/doctor.json"
echo "reproenv doctor exit status: $?"
cat "$out/doctor.json"

echo "== GPU need of this host's Python packages"
"$py" - >"$out/gpu-need.json" <<'PY'
import json
from dataclasses import asdict
from importlib.metadata import distributions

from reproenv.detect.gpu import detect_need
from reproenv.host.probe import probe_host

pins = sorted({(d.metadata["Name"].lower().replace("_", "-"), d.version) for d in distributions()})
need = detect_need(pins)
report = probe_host()
result = {"need": asdict(need), "host": report.as_dict()}
try:  # the CUDA choice, where that module is present
    from reproenv.compat.torch_choice import choose_torch

    torch = dict(pins).get("torch")
    if torch and report.driver_version and report.gpus:
        choice = choose_torch(
            torch, driver=report.driver_version, compute_capability=report.gpus[0].compute_capability
        )
        result["torch_choice"] = asdict(choice)
except Exception as exc:  # noqa: BLE001 - report, do not stop the check
    result["torch_choice"] = f"not available: {type(exc).__name__}: {exc}"
print(json.dumps(result, indent=2, default=str))
PY
echo "detection exit status: $?"
cat "$out/gpu-need.json"
