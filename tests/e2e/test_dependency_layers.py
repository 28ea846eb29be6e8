"""Acceptance: a project with one heavy package (scipy, 35 MB+) and a few small ones installs in
dependency layers by weight; adding tqdm and relocking rebuilds only the last dependency layer
(every layer before it keeps its digest), and the image then holds exactly the new lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.lock.model import read_lock
from tests.conftest import Cli, DockerHost
from tests.e2e.test_sklearn_build import inside, layers, locked_pins

pytestmark = [pytest.mark.docker, pytest.mark.network]

SPEC = """name = "layered"
command = ["python", "-c", "import scipy"]
[pip]
requirements = ["requirements.in"]
"""


def _tag(cli: Cli, project: Path) -> str:
    result = cli("build", "--network", "host", cwd=project)
    assert result.code == 0, result.output
    return next(line.split()[-1] for line in result.output.splitlines() if "built layered:" in line)


def test_adding_a_small_package_rebuilds_only_the_last_dependency_layer(
    docker_host: DockerHost, engine_cli: Cli, tmp_path: Path
) -> None:
    project = tmp_path / "layered"
    project.mkdir()
    (project / "reproenv.toml").write_text(SPEC)
    (project / "requirements.in").write_text("scipy\nsix\npackaging\n")
    explained = engine_cli("generate", "--explain", cwd=project)
    assert explained.code == 0, explained.output
    lock = read_lock(project / "reproenv.lock")
    assert lock is not None
    scipy = next(p for p in lock.pip_packages if p.name == "scipy")
    assert all(wheel.size for wheel in scipy.wheels), "the index states no sizes"
    rows = [line.split() for line in explained.stdout.splitlines() if line.strip()[:2] == "1."]
    assert rows and rows[0][1] == "scipy", explained.stdout
    dockerfile = (project / "Dockerfile").read_text()
    slices = sorted(path.name for path in (project / ".reproenv" / "layers").iterdir())
    assert slices[0] == "01-scipy.lock" and slices[-1].endswith("-the-rest.lock"), slices
    assert dockerfile.index("01-scipy.lock") < dockerfile.index(slices[-1])

    before = layers(docker_host, _tag(engine_cli, project))
    with (project / "requirements.in").open("a") as handle:
        handle.write("tqdm\n")
    after = layers(docker_host, _tag(engine_cli, project))

    base_image = f"{docker_host.mirror}/library/python@{lock.images[0].digest}"
    docker_host("pull", "-q", base_image)
    base = layers(docker_host, base_image)
    kept = next(n for n, (old, new) in enumerate(zip(before, after, strict=False)) if old != new)
    # the base, the venv's layer and every heavy one are reused; the rest's and the source change
    assert after[: len(base)] == base
    assert kept == len(base) + 1 + len(slices) - 1, (kept, len(base), slices)
    assert len(after) == len(before)
    found = inside(engine_cli, project)
    assert found["installed"] == locked_pins(project)
    assert "tqdm" in found["installed"] and found["uv"] == []
