"""Can the builder rewrite timestamps? Parsed from captured CLI outputs, and decided."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from reproenv.engine import DockerEngine
from reproenv.engine.capability import (
    Capability,
    buildx_builder,
    buildx_version,
    containerd_store,
)

CAPTURED = Path(__file__).resolve().parents[2] / "fixtures" / "engine"


def captured(name: str) -> str:
    return (CAPTURED / name).read_text()


def test_the_image_store_is_read_from_driver_status() -> None:
    assert containerd_store(captured("docker-info-26-containerd.json"))
    assert not containerd_store(captured("docker-info-20.10.json"))  # overlay2
    assert not containerd_store("not json") and not containerd_store("")


def test_buildx_and_buildkit_versions() -> None:
    assert buildx_version(captured("buildx-version-debian13.txt")) == "0.13.1"
    assert buildx_version("github.com/docker/buildx v0.19.3 48d6a39\n") == "0.19.3"
    assert buildx_version("docker: 'buildx' is not a docker command.") is None
    assert buildx_builder(captured("buildx-inspect-docker-driver.txt")) == ("docker", "0.13.2")
    # Debian's build of the engine does not know its BuildKit's version
    assert buildx_builder(captured("buildx-inspect-debian13.txt")) == ("docker", None)
    assert buildx_builder(captured("buildx-inspect-container-0.12.txt")) == (
        "docker-container",
        "0.12.5",
    )


@pytest.mark.parametrize(
    ("capability", "why_not"),
    [
        (Capability("26.1.5+dfsg1", True, "0.13.1", "0.13.2", "docker"), None),
        (Capability("20.10.24+dfsg1", False, None), "no buildx plugin"),
        (Capability("26.1.5", False, "0.13.1", "0.13.2", "docker"), "image store"),
        (Capability("24.0.7", True, "0.11.2", "0.11.7", "docker"), "older than 25"),
        # a BuildKit of its own: its version decides, whatever the engine's store
        (Capability("20.10.24", False, "0.13.1", "0.13.1", "docker-container"), None),
        (Capability("26.1.5", True, "0.12.0", "0.12.5", "docker-container"), "0.12.5"),
    ],
)
def test_can_rewrite_timestamps(capability: Capability, why_not: str | None) -> None:
    assert capability.can_rewrite_timestamps is (why_not is None)
    if why_not:
        assert why_not in (capability.why_not or "")
        assert "cannot rewrite" in capability.describe()
    else:
        assert "can rewrite" in capability.describe()
    assert capability.as_dict()["can_rewrite_timestamps"] is (why_not is None)


def _docker(folder: Path, server: str, info: str, buildx: str | None, inspect: str) -> str:
    for name, text in (("info", info), ("buildx-version", buildx or ""), ("inspect", inspect)):
        (folder / name).write_text(text)
    buildx_case = (
        f'if [ "$2" = version ]; then cat {folder}/buildx-version; else cat {folder}/inspect; fi'
        if buildx
        else "exit 1"
    )
    version = json.dumps({"Client": {"Version": server}, "Server": {"Version": server}})
    (folder / "version").write_text(version)
    script = folder / "docker"
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        f"  version) cat {folder}/version;;\n"
        f"  info) cat {folder}/info;;\n"
        f"  buildx) {buildx_case};;\n"
        "esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_engine_info_carries_the_capability(tmp_path: Path) -> None:
    modern = _docker(
        tmp_path,
        "26.1.5+dfsg1",
        captured("docker-info-26-containerd.json"),
        captured("buildx-version-debian13.txt"),
        captured("buildx-inspect-debian13.txt"),
    )
    found = DockerEngine(modern, env=dict(os.environ)).info(capability=True).capability
    assert found == Capability("26.1.5+dfsg1", True, "0.13.1", None, "docker")
    assert found.can_rewrite_timestamps


def test_debian_12s_engine_cannot(tmp_path: Path) -> None:
    old = _docker(tmp_path, "20.10.24+dfsg1", captured("docker-info-20.10.json"), None, "")
    found = DockerEngine(old, env=dict(os.environ)).info(capability=True).capability
    assert found == Capability("20.10.24+dfsg1", False, None)
    assert not found.can_rewrite_timestamps
