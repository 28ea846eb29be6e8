"""Dockerfile and its ignore file (.dockerignore, or `<Dockerfile>.dockerignore` beside a
Dockerfile kept in an output folder), with the project's own ignore rules merged in."""

from __future__ import annotations

from reproenv.fsutil import GENERATED_MARKER
from reproenv.lock.model import LockedPipPackage
from reproenv.plan.conda import CONDA_INSTALL_SCRIPT, CONDA_INSTALLER_LOCK, CONDA_RECORDS
from reproenv.plan.install import (
    IMAGE_INSTALLER_LOCK,
    UV_CACHE,
    UV_FETCH,
    UV_MOUNT,
    UV_PREFIX,
    DependencyLayer,
    DevStage,
    ImageInstall,
)
from reproenv.plan.model import PROJECT_COPY, BuildPlan, ignore_file
from reproenv.render.base import render_template
from reproenv.render.conda import conda_files

CONDA_FILES = (CONDA_RECORDS, CONDA_INSTALLER_LOCK, CONDA_INSTALL_SCRIPT)
INSTALLER_VENV = "/opt/reproenv-conda"  # py-rattler, in the conda stage only

PROJECT_RULES = "# the project's own .dockerignore rules, kept as written:"
NEEDED_RULES = "# needed by the build, re-included in case a rule above excludes them:"


class DockerfileRenderer:
    name = "dockerfile"

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        """`conda`: the project has a conda environment, whose stage reads three more files;
        `uv`: the image installs with uv, whose stage reads its pins."""
        return (
            dockerfile,
            ignore_file(dockerfile),
            *(CONDA_FILES if conda else ()),
            *((IMAGE_INSTALLER_LOCK, UV_FETCH) if uv else ()),
        )

    def render(self, plan: BuildPlan) -> dict[str, str]:
        files = {
            plan.dockerfile: render_dockerfile(plan, buildkit=True),
            plan.dockerignore: render_dockerignore(plan),
        }
        if plan.conda:
            files.update(conda_files(plan.conda))
        if plan.install.uses_uv:
            files[plan.install.tool_lock] = render_tool_lock(plan.install, plan.platform)
            files[UV_FETCH] = uv_fetch_script()
        for number, layer in enumerate(plan.install.layers, 1):
            if layer.pins:
                files[layer.requirements] = render_slice(plan, layer, number)
        if plan.dev and plan.dev.pins:
            files[plan.dev.requirements] = render_dev_lock(plan, plan.dev)
        return files


def uv_fetch_script() -> str:
    from importlib.resources import files

    return (files("reproenv.render") / "templates" / "uv_fetch.py").read_text(encoding="utf-8")


def render_slice(plan: BuildPlan, layer: DependencyLayer, number: int) -> str:
    """One dependency layer's pins, in requirements.lock's format, with a header of its own."""
    head = (
        f"# dependency layer {number} of {len(plan.install.layers)} ({plan.platform}): "
        f"{layer.name}, {layer.reason}",
        f"#   uv pip install --require-hashes --no-deps -r {layer.requirements}",
    )
    install = plan.install
    return pins_file(plan, layer.pins, head, install.index_url, install.extra_index_urls)


def render_dev_lock(plan: BuildPlan, dev: DevStage) -> str:
    """The dev group's pins for the `dev` stage, in requirements.lock's format."""
    head = (
        f"# the devcontainer's dev group ({plan.platform}), pinned in reproenv.lock "
        "(dev-packages),",
        "# installed by the Dockerfile's dev stage only:",
        f"#   pip install --require-hashes --no-deps -r {dev.requirements}",
    )
    return pins_file(plan, dev.pins, head, dev.index_url, dev.extra_index_urls)


def pins_file(
    plan: BuildPlan,
    pins: tuple[LockedPipPackage, ...],
    head: tuple[str, ...],
    index_url: str | None,
    extra_index_urls: tuple[str, ...],
) -> str:
    """The platform's `pins` in requirements.lock's format, its three header lines replaced
    by reproenv's marker and `head`."""
    from reproenv.lock.pip.export import render_requirements_lock

    text = render_requirements_lock(
        pins, plan.python, (plan.platform,), index_url, extra_index_urls
    )
    marker = f"# {GENERATED_MARKER} — do not edit; regenerate with: reproenv generate"
    return "\n".join((marker, *head)) + "\n" + text.split("\n", 3)[3]


def render_tool_lock(install: ImageInstall, platform: str) -> str:
    """uv's pins for the uv stage, in pip's hash-checking format."""
    lines = [
        f"# {GENERATED_MARKER} — do not edit; regenerate with: reproenv generate",
        f"# uv for the image's uv stage ({platform}), pinned in reproenv.lock (image-installer):",
        f"#   pip install --require-hashes --no-deps -r {install.tool_lock}",
    ]
    if install.index_url:
        lines.append(f"--index-url {install.index_url}")
    lines += [f"--extra-index-url {url}" for url in install.extra_index_urls]
    for pin in install.tool:
        hashes = "".join(f" \\\n    --hash={h}" for h in pin.hashes)
        lines.append(f"{pin.name}=={pin.version}{hashes}")
    return "\n".join(lines) + "\n"


def render_dockerfile(plan: BuildPlan, *, buildkit: bool) -> str:
    """`buildkit=False` drops the secret and cache mounts the legacy builder cannot parse."""
    labels = [f'{key}="{value}"' for key, value in sorted(plan.labels.items())]
    venv_command = None
    variables = plan.conda.variables if plan.conda else ()
    if plan.has_venv:
        # over a conda environment, the venv sees its packages (noarch python ones included)
        shared = " --system-site-packages" if plan.conda else ""
        venv_command = f"{plan.venv_python} -m venv{shared} {plan.venv}"
    final_venv, venv_mount = venv_command, ""
    if plan.install.uses_uv and venv_command:
        # without BuildKit the venv is made (and filled by uv) in the uv stage, then copied;
        # with it, uv makes it here from its mount: no pip in it, as in uv's own images
        final_venv = None
        if buildkit:
            venv_mount = (
                f"--mount=type=bind,from=uv,source={UV_PREFIX}/bin/uv,target={UV_MOUNT} \\\n    "
            )
            python = plan.venv_python
            if not python.startswith("/"):
                python = f'"$(command -v {python})"'  # the base's own, found on its PATH
            final_venv = (
                f"{UV_MOUNT} venv --no-cache --python-preference only-system{shared} "
                f"--python {python} {plan.venv}"
            )
    return render_template(
        "Dockerfile.j2",
        plan=plan,
        install=plan.install,
        buildkit=buildkit,
        uv_prefix=UV_PREFIX,
        uv_fetch=UV_FETCH,
        uv_mount=UV_MOUNT,
        uv_cache=UV_CACHE,
        labels=labels,
        project_copy=PROJECT_COPY,
        venv_command=venv_command,
        final_venv=final_venv,
        venv_mount=venv_mount,
        conda_path=f"{plan.conda.prefix}/bin:" if plan.conda else "",
        conda_variables=[f'{name}="{env_value(value)}"' for name, value in variables],
        installer_venv=INSTALLER_VENV,
    )


def env_value(value: str) -> str:
    """A value inside an ENV's double quotes, taken literally: `conda activate` exports it in
    single quotes, so a `$` is not expanded either."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")


def render_dockerignore(plan: BuildPlan) -> str:
    in_folder = plan.dockerignore != ".dockerignore"
    return render_template(
        "dockerignore.j2",
        plan=plan,
        # the generated pair is read by the builder apart from the context: keep it out of it
        own_files=(plan.dockerfile, plan.dockerignore) if in_folder else (),
        project_rules=plan.project_ignore,
        project_rules_heading=PROJECT_RULES,
        needed_heading=NEEDED_RULES,
        needed=(
            *((plan.install.tool_lock, UV_FETCH) if plan.install.uses_uv else ()),
            *(layer.requirements for layer in plan.install.layers if layer.pins),
            *((plan.dev.requirements,) if plan.dev and plan.dev.pins else ()),
            *((plan.requirements_lock,) if plan.has_pip_packages else ()),
            *(plan.conda.files if plan.conda else ()),
        ),
    )


def project_rules(text: str) -> tuple[str, ...]:
    """The rules of a project's .dockerignore as a person wrote them; from one reproenv
    generated (a merge made earlier with --force), the project's part it kept."""
    lines = text.splitlines()
    if any(GENERATED_MARKER in line for line in lines[:3]):
        if PROJECT_RULES not in lines:
            return ()
        start = lines.index(PROJECT_RULES) + 1
        end = lines.index(NEEDED_RULES) if NEEDED_RULES in lines[start:] else len(lines)
        lines = lines[start:end]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return tuple(lines)
