"""CI pipelines that publish the locked image: a GitHub Actions workflow and a GitLab CI file.

Written only when `generate --ci` asks for one. Both build the generated Dockerfile with what a
local `reproenv build` passes (the locked base by digest, SOURCE_DATE_EPOCH from the lock, the
CA bundle and netrc as BuildKit secrets), so CI and laptop build the same image."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from posixpath import basename, dirname

from reproenv.fsutil import GENERATED_MARKER
from reproenv.plan.model import BuildPlan
from reproenv.render.base import render_template

GITHUB_WORKFLOW = ".github/workflows/reproenv.yml"
GITLAB_CI = ".gitlab-ci.yml"
ACTIONS_DATA = "ci_actions.json"
# the Python that runs reproenv itself in CI (not the image's)
TOOL_PYTHON = "3.12"
# GitLab's documented rootless BuildKit image: no privileged Docker-in-Docker service
BUILDKIT_IMAGE = "moby/buildkit:v0.32.2-rootless"

_SHA = re.compile(r"[0-9a-f]{40}")
# `uses:` as a step key or a job key (reusable workflows); the value up to a comment
_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)
_PINNED = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^@\s]+)?@[0-9a-f]{40}")


@dataclass(frozen=True)
class ActionPin:
    sha: str
    version: str

    @property
    def comment(self) -> str:
        return f"# {self.version}"


@cache
def action_pins() -> dict[str, ActionPin]:
    """The actions the workflows use, each pinned to a release's commit (data/ci_actions.json,
    one edit to bump)."""
    text = resources.files("reproenv.data").joinpath(ACTIONS_DATA).read_text(encoding="utf-8")
    pins = {name: ActionPin(**pin) for name, pin in json.loads(text)["actions"].items()}
    for name, pin in pins.items():
        if not _SHA.fullmatch(pin.sha):
            raise ValueError(f"{ACTIONS_DATA}: {name} is not pinned to a 40-hex commit")
    return pins


def uses(action: str) -> str:
    """`owner/repo@<sha> # <version>`, the value of a step's `uses:`."""
    pin = action_pins()[action]
    return f"{action}@{pin.sha} {pin.comment}"


def unpinned_uses(workflow: str) -> list[str]:
    """Every `uses:` of a workflow's text that is not `owner/repo[/path]@<40-hex commit>`
    (local `./` actions and `docker://` images by digest are pinned by other means)."""
    found = []
    for ref in _USES.findall(workflow):
        if ref.startswith("./") or (ref.startswith("docker://") and "@sha256:" in ref):
            continue
        if not _PINNED.fullmatch(ref):
            found.append(ref)
    return found


def _context(plan: BuildPlan) -> dict[str, object]:
    # what build/service.py passes: the platform's manifest digest, upstream (CI has no mirror)
    folder = dirname(plan.dockerfile)
    # `--output-dir DIR` writes DIR/Dockerfile; any other name came from the spec itself
    by_folder = folder and basename(plan.dockerfile) == "Dockerfile"
    again = f" --output-dir {folder}" if by_folder else ""
    return {
        "plan": plan,
        "marker": GENERATED_MARKER,
        "uses": uses,
        "tool_python": TOOL_PYTHON,
        "base_image": f"{plan.base_reference}@{plan.platform_digest}",
        "lock_tag": plan.lock_hash[:12],  # the tag `reproenv build` gives it
        "output_dir": again,
        "dockerfile_dir": folder or ".",
        "dockerfile_name": basename(plan.dockerfile),
        "buildkit_image": BUILDKIT_IMAGE,
    }


class GithubWorkflowRenderer:
    name = "ci-github"

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        return (GITHUB_WORKFLOW,)

    def render(self, plan: BuildPlan) -> dict[str, str]:
        return {GITHUB_WORKFLOW: render_template("github_workflow.yml.j2", **_context(plan))}


class GitlabCiRenderer:
    name = "ci-gitlab"

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        return (GITLAB_CI,)

    def render(self, plan: BuildPlan) -> dict[str, str]:
        return {GITLAB_CI: render_template("gitlab_ci.yml.j2", **_context(plan))}
