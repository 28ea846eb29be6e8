"""Contract: every engine is a `ContainerEngine`, and every caller gets its engine from the one
choice in `engine/select.py`. (mypy checks the same of DockerEngine statically: `open_engine`
returns one as a `ContainerEngine`.)"""

from __future__ import annotations

import ast
import inspect
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

import reproenv
from reproenv.engine import ContainerEngine, DockerEngine, open_engine
from reproenv.engine.podman import PodmanEngine
from reproenv.engine.protocol import EngineInfo

ENGINES = [DockerEngine, PodmanEngine]
SRC = Path(reproenv.__file__).parent
MEMBERS = [
    name
    for name, value in vars(ContainerEngine).items()
    if callable(value) and not name.startswith("_")
]


def test_the_protocol_names_what_callers_use() -> None:
    assert sorted(MEMBERS) == [
        "build",
        "capture",
        "image_inspect",
        "info",
        "login",
        "pull",
        "push",
        "run",
        "tag",
    ]


@pytest.mark.parametrize("engine_class", ENGINES)
def test_an_engine_satisfies_the_protocol(engine_class: type) -> None:
    assert isinstance(engine_class(), ContainerEngine)
    for name in MEMBERS:
        # names, kinds and defaults: a keyword the protocol passes must exist on the engine
        expected = inspect.signature(getattr(ContainerEngine, name)).parameters
        actual = inspect.signature(getattr(engine_class, name)).parameters
        assert [(p.name, p.kind, p.default) for p in actual.values()] == [
            (p.name, p.kind, p.default) for p in expected.values()
        ], f"{engine_class.__name__}.{name}"


def test_an_engine_missing_a_method_is_refused() -> None:
    class Partial:
        def info(self, *, capability: bool = False) -> EngineInfo:
            raise NotImplementedError

        def capture(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
            raise NotImplementedError

    assert not isinstance(Partial(), ContainerEngine)


def test_open_engine_names_the_docker_executable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPROENV_DOCKER", raising=False)
    assert open_engine() == DockerEngine("docker")
    monkeypatch.setenv("REPROENV_DOCKER", "/opt/docker")
    assert open_engine() == DockerEngine("/opt/docker")
    assert open_engine("docker-ce") == DockerEngine("docker-ce")  # --docker first


def _concrete_engine_uses(path: Path) -> list[str]:
    """Lines that import or build a concrete engine class, not the protocol or `open_engine`."""
    concrete = {engine.__name__ for engine in ENGINES}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        named = {alias.name for alias in node.names} if isinstance(node, ast.ImportFrom) else set()
        if isinstance(node, ast.Name | ast.Attribute):
            named = {node.id if isinstance(node, ast.Name) else node.attr}
        if named & concrete:
            found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_callers_take_their_engine_from_open_engine() -> None:
    outside = [p for p in SRC.rglob("*.py") if (SRC / "engine") not in p.parents]
    uses = [line for path in sorted(outside) for line in _concrete_engine_uses(path)]
    assert uses == [], "use reproenv.engine.open_engine and type against ContainerEngine"
