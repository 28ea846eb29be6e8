"""Acceptance: locks for another platform than this host's hold only that platform's wheels."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.utils import parse_wheel_filename

from tests.conftest import Cli
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

pytestmark = pytest.mark.network


@pytest.fixture
def multiarch() -> Iterator[tuple[FakeRegistry, dict[str, str]]]:
    registry = FakeRegistry()
    digests = registry.add_index("library/python", "3.11-slim-bookworm", ("amd64", "arm64"))
    with serve(registry) as running:
        yield running, digests


def lock_for(cli: Cli, project: Path, registry: FakeRegistry, platforms: str) -> dict[str, object]:
    (project / "reproenv.toml").write_text(
        f'name = "demo"\nplatforms = {platforms}\n[pip]\nrequirements = ["requirements.in"]\n'
    )
    result = cli("lock", cwd=project, env={"REPROENV_REGISTRY_MIRROR": registry.address})
    assert result.code == 0, result.output
    return tomllib.loads((project / "reproenv.lock").read_text())


def wheel_platforms(package: dict[str, object]) -> set[str]:
    wheels = package.get("wheels", [])
    assert isinstance(wheels, list)
    return {tag.platform for w in wheels for tag in parse_wheel_filename(w["name"])[3]}


def test_arm64_lock_made_here_holds_only_arm64_wheels(
    cli: Cli, sklearn_project: Path, multiarch: tuple[FakeRegistry, dict[str, str]]
) -> None:
    registry, digests = multiarch
    lock = lock_for(cli, sklearn_project, registry, '["linux/arm64"]')
    packages = lock["pip-packages"]
    assert isinstance(packages, list) and len(packages) >= 5
    compiled = [p for p in packages if wheel_platforms(p) - {"any"}]
    assert {p["name"] for p in compiled} >= {"numpy", "scipy", "scikit-learn"}
    for package in packages:
        for platform in wheel_platforms(package):
            assert platform == "any" or "aarch64" in platform, (package["name"], platform)
    assert lock["images"] == [
        {
            "reference": "docker.io/library/python:3.11-slim-bookworm",
            "platform": "linux/arm64",
            "digest": digests["arm64"],
            "index-digest": digests["index"],
        }
    ]


def test_two_platform_lock_pins_each_platform(
    cli: Cli, sklearn_project: Path, multiarch: tuple[FakeRegistry, dict[str, str]]
) -> None:
    registry, digests = multiarch
    lock = lock_for(cli, sklearn_project, registry, '["linux/amd64", "linux/arm64"]')
    assert [i["digest"] for i in lock["images"]] == [digests["amd64"], digests["arm64"]]
    numpy = [p for p in lock["pip-packages"] if p["name"] == "numpy"]
    by_platform = {tuple(p["platforms"]): wheel_platforms(p) for p in numpy}
    assert all("x86_64" in t for t in by_platform[("linux/amd64",)])
    assert all("aarch64" in t for t in by_platform[("linux/arm64",)])
    # pure-Python packages are shared, listed once for both platforms
    shared = [p for p in lock["pip-packages"] if p["platforms"] == ["linux/amd64", "linux/arm64"]]
    assert shared and all(wheel_platforms(p) == {"any"} for p in shared)
    requirements = (sklearn_project / "requirements.lock").read_text()
    for package in numpy:
        for wheel in package["wheels"]:
            assert f"--hash=sha256:{wheel['sha256']}" in requirements
    dockerfile_default = f"python:3.11-slim-bookworm@{digests['index']}"
    assert (
        cli(
            "generate", cwd=sklearn_project, env={"REPROENV_REGISTRY_MIRROR": registry.address}
        ).code
        == 0
    )
    assert dockerfile_default in (sklearn_project / "Dockerfile").read_text()
