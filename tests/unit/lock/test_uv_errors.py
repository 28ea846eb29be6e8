"""uv's messages about a huge requirement line are read in linear time, names and all."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.lock.pip.errors import resolution_error as _resolution_error
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "requirements.in").write_text("numpy\n")
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    return load_spec(tmp_path, env={})


@pytest.mark.parametrize("line", ["a" * 200_000, "a-" * 100_000, "a." * 100_000])
def test_uvs_message_about_a_200k_requirement_is_read_quickly(spec: Spec, line: str) -> None:
    stderr = f"error: Because {line} was not found in the package registry, numpy>=2 fails\n"
    started = time.monotonic()
    error = _resolution_error(spec, stderr)
    assert time.monotonic() - started < 1.0  # the old `\b` pattern: minutes
    assert isinstance(error, ReproenvError)
    assert error.reference == "unsatisfiable-requirements"
    assert "numpy" in error.context["package"].split(", ")


def test_package_names_in_uvs_message_are_still_found(spec: Spec) -> None:
    stderr = (
        "error: No solution found when resolving dependencies:\n"
        "  Because scikit-learn>=9 was not found and -my.pkg==1 depends on zope.interface<1, "
        "lab_utils was not found in the package registry\n"
    )
    error = _resolution_error(spec, stderr)
    assert isinstance(error, ReproenvError)
    found = error.context["package"].split(", ")
    assert {"scikit-learn", "my.pkg", "zope.interface", "lab_utils"} <= set(found)
