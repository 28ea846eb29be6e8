"""The build tools' pins are kept in reproenv's cache (lock/tool_cache.py): a second project's
lock on the same index takes uv's from there, and anything the pin depends on makes another."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reproenv.lock import build_tools, tool_cache
from reproenv.lock.conda import locker as conda_locker
from reproenv.lock.locker import NO_UPGRADE, LockRequest, Upgrade
from reproenv.lock.model import LockedPipPackage
from reproenv.lock.pip import uv
from reproenv.lock.pip.backend import PipResolution
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec
from tests.fakes.package_index import FakeIndex, FakePackage

SPEC = 'name = "demo"\npython = "3.11"\n[pip]\nrequirements = ["requirements.in"]\n'


def project(folder: Path, requirements: str = "lib\n", spec: str = SPEC) -> Spec:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reproenv.toml").write_text(spec)
    (folder / "requirements.in").write_text(requirements)
    return load_spec(folder)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Each resolve of a tool: its input file and platform (the index is a seam here)."""
    calls: list[tuple[str, str]] = []

    def resolve_pip(tool_spec: Any, platform: str, *_: object, **__: object) -> PipResolution:
        calls.append((Path(tool_spec.requirements[0]).read_text(), platform))
        package = LockedPipPackage(name="uv", version="1.0", platforms=(platform,))
        return PipResolution("uv", platform, (package,))

    monkeypatch.setattr(build_tools, "tool_version", lambda name: "1.0")
    monkeypatch.setattr(uv, "resolve_pip", resolve_pip)
    return calls


def test_a_second_project_on_the_same_index_takes_the_pin_from_the_cache(
    tmp_path: Path, asked: list[tuple[str, str]]
) -> None:
    first = build_tools.pin_tool(project(tmp_path / "a"), "uv", None)
    second = build_tools.pin_tool(project(tmp_path / "b", "numpy\n"), "uv", None)
    assert asked == [("uv==1.0\n", "linux/amd64")]
    assert first == second


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("another index", "--index-url http://127.0.0.1:1/simple\nlib\n"),
        ("another Python", 'name = "demo"\npython = "3.12"\n'),
        ("another platform", 'name = "demo"\nplatforms = ["linux/arm64"]\n'),
    ],
)
def test_whatever_the_pin_depends_on_makes_another(
    tmp_path: Path, asked: list[tuple[str, str]], change: str, value: str
) -> None:
    build_tools.pin_tool(project(tmp_path / "a"), "uv", None)
    if value.startswith("--"):
        other = project(tmp_path / "b", value)
        lines = build_tools._index_lines(other)
    else:
        tail = '[pip]\nrequirements = ["requirements.in"]\n'
        other, lines = project(tmp_path / "b", spec=value + tail), ()
    build_tools.pin_tool(other, "uv", None, index_lines=lines)
    assert len(asked) == 2, change


# each lock step that pins a build tool, with what it is given
PINNERS = {
    "uv for the image": build_tools.pin_image_installer,
    "py-rattler for a conda image": conda_locker._pinned_installer,
}


@pytest.mark.parametrize("pinner", list(PINNERS))
def test_an_upgrade_asks_the_index_again_and_keeps_the_answer(
    tmp_path: Path, asked: list[tuple[str, str]], pinner: str
) -> None:
    spec = project(tmp_path / "a")
    pin = PINNERS[pinner]
    pin(LockRequest(spec, spec.platforms, upgrade=NO_UPGRADE))
    pin(LockRequest(spec, spec.platforms, upgrade=Upgrade(everything=True)))
    pin(LockRequest(spec, spec.platforms, upgrade=NO_UPGRADE))
    assert len(asked) == 2


DAMAGED = [
    b"",
    b"\xff\xfe\x00",
    b"{" * 100_000,
    b'{"schema": 1}',
    b'{"schema": 1, "packages": [1]}',
]


@pytest.mark.parametrize("content", DAMAGED)
def test_a_damaged_entry_is_pinned_afresh(
    tmp_path: Path, asked: list[tuple[str, str]], own_cache: Path, content: bytes
) -> None:
    spec = project(tmp_path / "a")
    build_tools.pin_tool(spec, "uv", None)
    (entry,) = (own_cache / "tools").iterdir()
    entry.write_bytes(content)
    pinned = build_tools.pin_tool(spec, "uv", None)
    assert len(asked) == 2 and [p.name for p in pinned] == ["uv"]


def test_without_a_cache_the_tool_is_pinned_each_time(
    tmp_path: Path, asked: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tool_cache, "cache_dir", lambda: None)
    spec = project(tmp_path / "a")
    build_tools.pin_tool(spec, "uv", None)
    build_tools.pin_tool(spec, "uv", None)
    assert len(asked) == 2


@pytest.fixture
def private_index() -> Iterator[FakeIndex]:
    index = FakeIndex([FakePackage("lib", "1.0")], username="ci", password="s3cret-token")
    with index.serve() as served:
        yield served


def test_a_real_second_lock_asks_the_index_for_no_uv_and_keeps_no_credentials(
    tmp_path: Path,
    private_index: FakeIndex,
    own_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INDEX_PASSWORD", "s3cret-token")
    line = private_index.url_with_credentials("ci", "${INDEX_PASSWORD}")
    spec_a = project(tmp_path / "a", f"--index-url {line}\nlib\n")
    first = build_tools.pin_image_installer(LockRequest(spec_a, spec_a.platforms))
    uv_pages = [path for path, _ in private_index.requests if "/uv" in path]
    assert uv_pages
    private_index.requests.clear()
    spec_b = project(tmp_path / "b", f"--index-url {line}\nlib>=1\n")
    second = build_tools.pin_image_installer(LockRequest(spec_b, spec_b.platforms))
    assert second == first and first[0].wheels and first[0].wheels[0].url
    assert not [path for path, _ in private_index.requests if "/uv" in path]
    stored = "".join(p.read_text() for p in (own_cache / "tools").iterdir())
    assert "s3cret-token" not in stored and "ci:" not in stored


def test_the_same_index_with_other_credentials_is_the_same_entry(tmp_path: Path) -> None:
    spec = project(tmp_path / "a")
    keys = {
        tool_cache.tool_key(spec, "uv", "1.0", "linux/amd64", (line,), True)
        for line in (
            "--index-url https://alice:one@index.example/simple",
            "--index-url https://bob:two@index.example/simple",
        )
    }
    other = tool_cache.tool_key(
        spec, "uv", "1.0", "linux/amd64", ("--index-url https://other.example/simple",), True
    )
    assert len(keys) == 1 and other not in keys
