"""The devcontainer's dev group: `[devcontainer]` requirements, groups and tools, resolved by
uv for each platform with that platform's pip pins as constraints. The runtime pins stay what
they are (a dev tool that cannot live with them is an error, not a moved pin); what the group
adds on top is the lock's `dev-packages`, installed by the Dockerfile's `dev` stage only."""

from __future__ import annotations

import tempfile
from pathlib import Path

from reproenv.errors import ReproenvError, bad_input
from reproenv.lock.locker import LockRequest
from reproenv.lock.model import LockedPipPackage
from reproenv.lock.pip.packages import merge_platforms
from reproenv.spec.devcontainer import DevcontainerSpec
from reproenv.spec.model import Spec


def lock_dev_group(
    request: LockRequest, runtime: tuple[LockedPipPackage, ...]
) -> tuple[LockedPipPackage, ...]:
    """The dev group's own pins, for every platform; none without a dev group."""
    spec, dev = request.spec, request.spec.devcontainer
    if dev is None or not dev.has_dev_group:
        return ()
    if spec.conda is not None:
        raise _conda_refused(spec)
    previous = request.previous.dev_packages if request.previous is not None else ()
    with tempfile.TemporaryDirectory(prefix="reproenv-dev-") as scratch:
        per_platform = [
            _one_platform(request, dev, runtime, previous, platform, Path(scratch))
            for platform in spec.platforms
        ]
    return merge_platforms(per_platform)


def _one_platform(
    request: LockRequest,
    dev: DevcontainerSpec,
    runtime: tuple[LockedPipPackage, ...],
    previous: tuple[LockedPipPackage, ...],
    platform: str,
    scratch: Path,
) -> tuple[LockedPipPackage, ...]:
    from reproenv.lock.pip.uv import resolve_pip

    pins = [p for p in runtime if platform in p.platforms]
    slug = platform.replace("/", "-")
    constraints = scratch / f"runtime-{slug}.txt"
    constraints.write_text("".join(f"{_constraint(p)}\n" for p in pins), encoding="utf-8")
    tools = scratch / f"tools-{slug}.in"  # always one input, so a groups-only table has one
    tools.write_text("".join(f"{line}\n" for line in dev.tools), encoding="utf-8")
    options = ["--constraint", str(constraints)]
    for group in dev.groups:
        options += ["--group", f"pyproject.toml:{group}"]
    for extra in dev.extras:  # with the project's own dependencies, held to the runtime pins
        options += ["--extra", extra]
    if dev.extras:  # an input of uv's own, not a requirements file to read here
        options.append("pyproject.toml")
    dev_spec = request.spec.model_copy(
        update={
            "requirements": (*dev.requirements, str(tools)),
            "pyproject_dependencies": (),
            "pyproject": False,
            "conda": None,
        }
    )
    try:
        resolved = resolve_pip(
            dev_spec, platform, request.ca_cert, preferences=previous,
            upgrade=request.upgrade, variant_indexes=request.variant_indexes,
            options=tuple(options),
        ).packages  # fmt: skip
    except ReproenvError as error:
        raise _with_dev_context(error, tools, request.spec.source.name) from None
    runtime_names = {p.name for p in pins}
    return tuple(p for p in resolved if p.name not in runtime_names)


def _constraint(pin: LockedPipPackage) -> str:
    return f"{pin.name} @ {pin.vcs}" if pin.vcs else f"{pin.name}=={pin.version}"


def _with_dev_context(error: ReproenvError, tools: Path, spec_file: str) -> ReproenvError:
    """uv's refusal, said to be the dev group's, with its exit code (a network failure stays
    one); the tools' scratch file named as the spec's key."""
    import re
    from dataclasses import replace

    def key(match: re.Match[str]) -> str:
        return f"{spec_file}: devcontainer.tools[{int(match.group(1)) - 1}]:"

    message = re.sub(re.escape(str(tools)) + r":(\d+):", key, error.message)
    message = message.replace(str(tools), f"{spec_file} devcontainer.tools")
    return replace(
        error,
        message=f"the devcontainer's dev group cannot be locked beside the runtime pins: {message}",
        hint="a dev tool must accept the versions the runtime pins (they are its constraints): "
        "choose a tool version that does, or move the runtime pin with `reproenv lock "
        "--upgrade-package NAME`",
        context={**error.context, "key": "devcontainer"},
    )


def _conda_refused(spec: Spec) -> Exception:
    return bad_input(
        f"{spec.source.name}: [devcontainer] names a dev group (requirements, groups or tools), "
        "but this project's environment is conda's; this reproenv locks a dev group for pip "
        "projects only",
        "dev-group-conda",
        "remove requirements, groups and tools from [devcontainer] (the devcontainer still "
        "builds the runtime image), or add the tools to the environment file",
        file=str(spec.source),
        key="devcontainer",
    )
