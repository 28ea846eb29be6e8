"""The project itself, local path requirements and git requirements: locked by the real
`reproenv` process and uv against the fake index, rendered into the Dockerfile."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fakes.package_index import FakeIndex, FakePackage

BACKENDS = [
    FakePackage("hatchling", "1.27.0", requires=["packaging>=24"]),
    FakePackage("packaging", "25.0"),
    FakePackage("setuptools", "80.9.0"),
    FakePackage("flit-core", "3.12.0"),
    FakePackage("lib", "1.0"),
]
SPEC = 'name = "demo"\n[pip]\n{pip}index-url = "${{REPROENV_TEST_INDEX}}"\n'
HATCH_PROJECT = (
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["lib"]\n'
    '[project.scripts]\ndemo-hello = "demo:main"\n'
)


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    with FakeIndex(BACKENDS).serve() as running:
        yield running


@pytest.fixture
def with_index(cli: Cli, index: FakeIndex) -> Cli:
    return Cli({**cli.env, "REPROENV_TEST_INDEX": index.url, "REPROENV_HTTP_TIMEOUT": "5"})


def pins(project: Path) -> dict[str, str]:
    return dict(
        re.findall(r"^([a-z0-9-]+)==(\S+)", (project / "requirements.lock").read_text(), re.M)
    )


def test_pyproject_project_is_installed_after_its_locked_build_backend(
    with_index: Cli, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(HATCH_PROJECT)
    (tmp_path / "reproenv.toml").write_text(SPEC.format(pip="pyproject = true\n"))
    result = with_index("generate", cwd=tmp_path)
    assert result.code == 0, result.output
    lock = (tmp_path / "reproenv.lock").read_text()
    assert 'local-projects = [\n    ".",\n]' in lock
    # the build backend and what it needs are pins with hashes, like the dependencies
    assert pins(tmp_path) == {"hatchling": "1.27.0", "lib": "1.0", "packaging": "25.0"}
    assert (
        "hatchling==1.27.0 \\\n    --hash=sha256:" in (tmp_path / "requirements.lock").read_text()
    )
    dockerfile = (tmp_path / "Dockerfile").read_text()
    # by uv, mounted from its stage, into the venv
    install = (
        "/tmp/reproenv/uv pip install --no-cache --no-deps --no-build-isolation --no-index"
        " --compile-bytecode \\\n        --python /opt/venv/bin/python /tmp/reproenv/project\n"
    )
    assert install in dockerfile
    # after the dependency layer and the source, before the image drops root
    order = [dockerfile.index(s) for s in ("-r /tmp/reproenv/requirements.lock", "COPY --chown",
                                           install, "USER 1000")]  # fmt: skip
    assert order == sorted(order)
    assert cli_check(with_index, tmp_path) == 0


def cli_check(cli: Cli, project: Path) -> int:
    return cli("lock", "--check", cwd=project).code


def test_build_requirements_enter_the_input_hash(with_index: Cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(HATCH_PROJECT)
    (tmp_path / "reproenv.toml").write_text(SPEC.format(pip="pyproject = true\n"))
    assert with_index("lock", cwd=tmp_path).code == 0
    (tmp_path / "pyproject.toml").write_text(
        HATCH_PROJECT.replace('["hatchling"]', '["setuptools"]')
    )
    assert cli_check(with_index, tmp_path) == 1  # stale: another backend must be locked
    (tmp_path / "pyproject.toml").write_text(HATCH_PROJECT)
    assert cli_check(with_index, tmp_path) == 0
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "demo.py").write_text("def main(): ...\n")  # code is not an input
    assert cli_check(with_index, tmp_path) == 0


def test_dot_line_and_local_paths_inside_the_project_are_installed(
    with_index: Cli, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(HATCH_PROJECT)
    lib = tmp_path / "libs" / "helper"
    lib.mkdir(parents=True)
    (lib / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "helper"\nversion = "1.0"\ndescription = "x"\ndependencies = []\n'
    )
    (tmp_path / "requirements.in").write_text("-e .\n./libs/helper\n")
    (tmp_path / "reproenv.toml").write_text(SPEC.format(pip='requirements = ["requirements.in"]\n'))
    result = with_index("generate", cwd=tmp_path)
    assert result.code == 0, result.output
    assert (
        'local-projects = [\n    ".",\n    "libs/helper",\n]'
        in (tmp_path / "reproenv.lock").read_text()
    )
    # each project's build backend is locked
    assert {"hatchling", "flit-core", "lib"} <= set(pins(tmp_path))
    assert (
        "/tmp/reproenv/project /tmp/reproenv/project/libs/helper\n"
        in (tmp_path / "Dockerfile").read_text()
    )


@pytest.mark.parametrize("line", ["../elsewhere", "-e ../elsewhere", "lab @ file:///opt/lab"])
def test_local_path_outside_the_project_is_refused_with_file_and_line(
    with_index: Cli, tmp_path: Path, line: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (project / "requirements.in").write_text(f"lib\n{line}\n")
    (project / "reproenv.toml").write_text(SPEC.format(pip='requirements = ["requirements.in"]\n'))
    result = with_index("lock", cwd=project)
    assert result.code == 2, result.output
    assert f"requirements.in:2: {line} is outside the project folder" in result.stderr
    assert "Traceback" not in result.output
    assert not (project / "reproenv.lock").exists()


def test_local_path_that_is_not_a_project_is_refused(with_index: Cli, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "requirements.in").write_text("./data\n")
    (tmp_path / "reproenv.toml").write_text(SPEC.format(pip='requirements = ["requirements.in"]\n'))
    result = with_index("lock", cwd=tmp_path)
    assert result.code == 2, result.output
    assert "requirements.in:1: data is not a Python project" in result.stderr


def git_repository(folder: Path) -> str:
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "gitpkg"\nversion = "0.3"\ndependencies = ["lib"]\n'
    )

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=folder, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "first")
    return git("rev-parse", "HEAD")


def test_git_requirement_is_pinned_to_its_commit_and_refused_at_generate(
    with_index: Cli, tmp_path: Path
) -> None:
    commit = git_repository(tmp_path / "repo")
    project = tmp_path / "project"
    project.mkdir()
    url = (tmp_path / "repo").as_uri()
    (project / "requirements.in").write_text(f"lib\ngitpkg @ git+{url}\n")
    (project / "reproenv.toml").write_text(SPEC.format(pip='requirements = ["requirements.in"]\n'))
    locked = with_index("lock", cwd=project)
    assert locked.code == 0, locked.output
    lock = (project / "reproenv.lock").read_text()
    assert f'vcs = "git+{url}@{commit}"' in lock
    assert f"gitpkg @ git+{url}@{commit}\n" in (project / "requirements.lock").read_text()
    generated = with_index("generate", cwd=project)
    assert generated.code == 2, generated.output
    assert f"requirements.in:2: gitpkg pinned to git+{url}@{commit}" in generated.stderr
    assert "cannot install git requirements in the image yet" in generated.stderr
    assert not (project / "Dockerfile").exists()
