"""No test reaches this machine's GPUs: the real probe's ways out are walled off, the callers in
src get a fake host, and so do the reproenv processes the tests start."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import reproenv.host.probe as probe_module
from reproenv.cli.run_cmd import wants_gpus
from reproenv.errors import ReproenvError
from reproenv.host.probe import probe_host  # the real one: imported before any test patches it
from tests.conftest import Cli
from tests.fakes.gpu_host import (
    CAPTURES,
    H100_HOST,
    HOST_VARIABLE,
    REPROENV_LAUNCH,
    FakeGpuHost,
    FakeNvml,
    NoNvml,
    RealGpuProbeReached,
    no_commands,
)

H100 = "NVIDIA H100 80GB HBM3"


def test_the_real_probe_defaults_are_walled_off() -> None:
    capture = json.loads((CAPTURES / "pynvml.json").read_text())
    with pytest.raises(RealGpuProbeReached, match="pynvml"):
        probe_host()
    with pytest.raises(RealGpuProbeReached, match="ran `nvidia-smi"):
        probe_host(nvml=NoNvml())
    with pytest.raises(RealGpuProbeReached, match="/proc"):
        probe_host(nvml=NoNvml(), run=no_commands)
    with pytest.raises(RealGpuProbeReached, match="ran `docker info"):
        probe_host(nvml=FakeNvml(capture))


def test_callers_in_src_get_the_fake_host(
    fake_gpu_host: FakeGpuHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = probe_module.probe_host()
    assert (bare.source, bare.gpus, bare.driver_version) == ("none", (), None)
    with pytest.raises(ReproenvError) as caught:
        wants_gpus("13.0", cpu=False)
    assert caught.value.reference == "gpu-missing"

    fake_gpu_host.use(H100_HOST, monkeypatch)
    report = probe_module.probe_host(docker="/opt/docker")
    assert (report.source, report.driver_version, report.max_cuda) == (
        "nvml",
        "580.159.04",
        (13, 0),
    )
    assert [(g.name, g.compute_capability) for g in report.gpus] == [(H100, (9, 0))]
    assert report.docker_nvidia_runtime is None  # the captured host had no docker
    assert wants_gpus("13.0", cpu=False) is True


def test_a_reproenv_process_runs_on_the_fake_host(cli: Cli, tmp_path: Path) -> None:
    env = {"DOCKER_HOST": f"unix://{tmp_path}/none.sock", "REPROENV_REGISTRY_MIRROR": "127.0.0.1:9"}

    def gpu_check(host: str) -> dict[str, object]:
        result = cli("doctor", "--json", cwd=tmp_path, env={**env, HOST_VARIABLE: host})
        checks = {c["name"]: c for c in json.loads(result.stdout)}
        return checks["gpu"]  # type: ignore[no-any-return]

    bare = gpu_check("none")
    assert bare["detail"] == "no NVIDIA GPU or driver on this host"
    h100 = gpu_check(H100_HOST)
    assert h100["ok"] is True
    assert h100["detail"] == f"1 GPU: {H100} (sm_90); driver 580.159.04, CUDA ≤ 13.0"
    assert h100["data"]["source"] == "nvml"  # type: ignore[index]


def test_an_unknown_fake_host_is_refused_before_reproenv_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [*REPROENV_LAUNCH, "--version"],
        cwd=tmp_path,
        env={**os.environ, HOST_VARIABLE: "no-such-capture"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "no GPU host capture 'no-such-capture'" in done.stderr
