"""The image's tools are pinned per platform like the project's own pins."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from reproenv.lock import build_tools
from reproenv.lock.model import LockedPipPackage
from reproenv.lock.pip import uv
from reproenv.lock.pip.backend import PipResolution
from reproenv.spec.load import load_spec

SPEC = 'name = "demo"\npython = "3.11"\nplatforms = ["linux/amd64", "linux/arm64"]\n'


def test_each_platform_s_tool_pin_runs_beside_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reproenv.toml").write_text(SPEC)
    spec = load_spec(tmp_path, env={})
    both_running = threading.Barrier(2, timeout=5)  # one at a time would break it
    asked: list[str] = []

    def resolve_pip(tool_spec: Any, platform: str, *_: object, **__: object) -> PipResolution:
        wanted = Path(tool_spec.requirements[0]).read_text()
        asked.append(wanted)
        both_running.wait()
        package = LockedPipPackage(name="uv", version="1.0", platforms=(platform,))
        return PipResolution("uv", platform, (package,))

    monkeypatch.setattr(build_tools, "tool_version", lambda name: "1.0")
    monkeypatch.setattr(uv, "resolve_pip", resolve_pip)
    pinned = build_tools.pin_tool(spec, "uv", None)
    assert asked == ["uv==1.0\n", "uv==1.0\n"]
    assert [(p.name, p.version, p.platforms) for p in pinned] == [
        ("uv", "1.0", ("linux/amd64", "linux/arm64"))
    ]


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        ("numpy\n", True),
        ("# nothing yet\n\n", False),
        ("--index-url https://example.invalid/simple\n", False),
        ("-r missing.in\n", False),  # the resolver names the missing file
    ],
)
def test_uv_for_the_image_is_begun_early_only_for_a_spec_asking_for_a_package(
    tmp_path: Path, requirements: str, expected: bool
) -> None:
    text = SPEC + '[pip]\nrequirements = ["requirements.in"]\n'
    (tmp_path / "reproenv.toml").write_text(text)
    (tmp_path / "requirements.in").write_text(requirements)
    assert build_tools.may_need_image_installer(load_spec(tmp_path, env={})) is expected
