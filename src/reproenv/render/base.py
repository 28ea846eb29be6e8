"""Renderers: `BuildPlan` -> {relative path: text}. No I/O beyond reading templates."""

from __future__ import annotations

from functools import cache
from typing import Protocol

import jinja2

from reproenv.plan.model import BuildPlan


class Renderer(Protocol):
    name: str

    def outputs(self, dockerfile: str, conda: bool = False, uv: bool = False) -> tuple[str, ...]:
        """The paths `render` returns, known from the spec before there is a plan (`conda`:
        the spec has a conda environment)."""
        ...

    def render(self, plan: BuildPlan) -> dict[str, str]: ...


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reproenv.render", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Dockerfiles and config, not HTML
    )


def render_template(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
