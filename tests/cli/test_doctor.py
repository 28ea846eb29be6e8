from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, DockerHost


def test_doctor_reports_each_failure_with_a_fix(cli: Cli, tmp_path: Path) -> None:
    env = {"DOCKER_HOST": f"unix://{tmp_path}/none.sock", "REPROENV_REGISTRY_MIRROR": "127.0.0.1:9"}
    result = cli("doctor", "--json", cwd=tmp_path, env=env)
    assert result.code == 1, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert set(checks) == {"engine", "builder", "registry", "gpu"}
    failed = {name for name, c in checks.items() if not c["ok"]}
    assert failed == {"engine", "builder", "registry"}
    assert all(checks[name]["fix"] for name in failed)
    # this machine has no GPU: reported as such, not as a failure
    assert checks["gpu"]["detail"] == "no NVIDIA GPU or driver on this host"
    assert checks["gpu"]["data"]["source"] == "none"
    assert "127.0.0.1:9" in checks["registry"]["detail"]


@pytest.mark.docker
def test_doctor_on_the_prepared_host(docker_host: DockerHost, cli: Cli, tmp_path: Path) -> None:
    env = {
        "REPROENV_DOCKER": docker_host.executable,
        "REPROENV_REGISTRY_MIRROR": docker_host.mirror,
    }
    result = cli("doctor", "--json", cwd=tmp_path, env=env)
    assert result.code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert all(c["ok"] for c in checks.values()), checks
    assert "secret and cache mounts" in checks["builder"]["detail"]
