"""The image's environment as (name, value) pairs, in the Dockerfile's order, for the outputs
that run the image outside Docker (apptainer.def sets them again). `PATH` is the one value
that refers to another variable: `$PATH`, the base's own."""

from __future__ import annotations

from reproenv.plan.model import BuildPlan

PATH_VALUE_TAIL = "$PATH"


def image_environment(plan: BuildPlan) -> tuple[tuple[str, str], ...]:
    """The final stage's ENV of the generated Dockerfile (tests/unit/render checks the two
    agree), conda's `variables:` included."""
    conda_path = f"{plan.conda.prefix}/bin:" if plan.conda else ""
    variables: list[tuple[str, str]] = [
        ("LANG", "C.UTF-8"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
        ("PYTHONUNBUFFERED", "1"),
        ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    ]
    if plan.conda:
        variables += [("CONDA_PREFIX", plan.conda.prefix), ("CONDA_DEFAULT_ENV", plan.conda.prefix)]
    if plan.has_venv:
        variables += [
            ("VIRTUAL_ENV", plan.venv),
            ("PATH", f"{plan.venv}/bin:{conda_path}{PATH_VALUE_TAIL}"),
        ]
    else:
        variables.append(("PATH", f"{conda_path}{PATH_VALUE_TAIL}"))
    if plan.require_cuda:
        variables += [
            ("NVIDIA_VISIBLE_DEVICES", "all"),
            ("NVIDIA_DRIVER_CAPABILITIES", "compute,utility"),
            ("NVIDIA_REQUIRE_CUDA", f"cuda>={plan.require_cuda}"),
        ]
    if plan.conda:
        variables += list(plan.conda.variables)
    return tuple(variables)


def driver_requirement(require_cuda: str) -> str:
    """`"CUDA 13.0 needs driver ≥ 580.65.06"` from the compatibility data, for the notes of
    the outputs that run a CUDA image elsewhere."""
    from reproenv.compat.drivers import requirement
    from reproenv.compat.versions import parse_cuda
    from reproenv.errors import ReproenvError

    try:
        return requirement(parse_cuda(require_cuda))
    except ReproenvError:  # a CUDA newer than reproenv's table: the lock says which, not the driver
        return f"CUDA {require_cuda} needs a driver that runs it (not in reproenv's driver table)"
