"""The pip entries of conda lock files as reproenv.lock's pip pins and back: files by URL and
sha256, constraints for the spec's own requirements, each platform's wheel for the export, and
the errors that name a pip entry reproenv cannot install by hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.conda.lockfiles import PipEntry, pip_file_name, read_conda_lock
from reproenv.lock.conda.pip_pins import (
    entries_from_pins,
    pin_constraints,
    pins_from_entries,
    with_pins,
)
from reproenv.lock.conda.pixi import read_pixi_lock
from reproenv.lock.model import LockedFile, LockedPipPackage
from reproenv.lock.pip.pylock import parse_pylock, preferred_wheel
from reproenv.spec.load import load_spec
from tests.unit.lock.test_conda_lockfiles import BOTH, FIXTURES, PIP, SIX_SHA, SIX_URL

AMD, ARM = BOTH
FILES = "https://files.example.org/packages"


def _pin(name: str, version: str, platforms: tuple[str, ...], *files: str) -> LockedPipPackage:
    locked = tuple(LockedFile(name=f, sha256=f"{f}-sha", url=f"{FILES}/{f}") for f in files)
    wheels = tuple(f for f in locked if f.name.endswith(".whl"))
    sdist = next((f for f in locked if not f.name.endswith(".whl")), None)
    return LockedPipPackage(
        name=name, version=version, platforms=platforms, wheels=wheels, sdist=sdist
    )


def test_entries_become_one_pin_per_file_with_its_platforms() -> None:
    sdist = f"{FILES}/Odd_Name-2.0.tar.gz"
    entries = (*PIP, PipEntry("Odd_Name", "2.0", sdist, "d" * 64, AMD))
    odd, six = pins_from_entries(reversed(entries))
    assert six == LockedPipPackage(
        name="six",
        version="1.17.0",
        platforms=BOTH,
        wheels=(LockedFile(name="six-1.17.0-py2.py3-none-any.whl", sha256=SIX_SHA, url=SIX_URL),),
    )
    assert (odd.name, odd.platforms, odd.wheels) == ("odd-name", (AMD,), ())
    assert odd.sdist == LockedFile(name="Odd_Name-2.0.tar.gz", sha256="d" * 64, url=sdist)
    assert odd.hashes == (f"sha256:{'d' * 64}",)


def test_pip_file_names_are_wheels_or_sdists() -> None:
    assert pip_file_name(SIX_URL) == "six-1.17.0-py2.py3-none-any.whl"
    assert pip_file_name(f"{FILES}/a%2Bb-1.0.zip") == "a+b-1.0.zip"
    for url in (
        f"{FILES}/six-1.17.0.exe",
        f"{FILES}/six/",
        "git+https://x/six.git",
        f"{FILES}/x.whl",
    ):
        assert pip_file_name(url) is None, url


def test_pins_constrain_the_specs_requirements_per_platform_where_they_differ() -> None:
    pins = (
        _pin("six", "1.17.0", BOTH, "six-1.17.0-py3-none-any.whl"),
        _pin("fast", "2.0", (AMD,), "fast-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        _pin("fast", "1.9", (ARM,), "fast-1.9-cp311-cp311-manylinux_2_17_aarch64.whl"),
        _pin("amd-only", "1.0", (AMD,), "amd_only-1.0-py3-none-any.whl"),
    )
    assert pin_constraints(pins, BOTH) == (
        'amd-only==1.0 ; platform_machine == "x86_64"',
        'fast==2.0 ; platform_machine == "x86_64"',
        'fast==1.9 ; platform_machine == "aarch64"',
        "six==1.17.0",
    )
    assert pin_constraints(pins[3:], (AMD,)) == ("amd-only==1.0",)


def test_pins_replace_what_pip_resolved_for_their_names_on_their_platforms() -> None:
    resolved = (
        _pin("six", "1.18.0", BOTH, "six-1.18.0-py3-none-any.whl"),
        _pin("needs-six", "1.0", BOTH, "needs_six-1.0-py3-none-any.whl"),
    )
    pin = _pin("six", "1.17.0", (AMD,), "six-1.17.0-py3-none-any.whl")
    merged = with_pins(resolved, (pin,))
    assert [(p.name, p.version, p.platforms) for p in merged] == [
        ("needs-six", "1.0", BOTH),
        ("six", "1.17.0", (AMD,)),
        ("six", "1.18.0", (ARM,)),  # no pin for arm64: what pip resolved stays
    ]
    assert with_pins(resolved, ()) == tuple(sorted(resolved, key=lambda p: p.name))


def test_the_export_takes_each_platforms_wheel_else_the_sdist() -> None:
    wheels = (
        "fast-2.0-py3-none-any.whl",
        "fast-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "fast-2.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "fast-2.0-cp311-cp311-manylinux_2_28_aarch64.whl",
    )
    packages = (
        _pin("fast", "2.0", BOTH, *wheels),
        _pin("tiny", "0.1", (ARM,), "tiny-0.1.tar.gz"),
        LockedPipPackage(name="given", version="1", platforms=BOTH, given_hashes=("sha256:a",)),
        LockedPipPackage(
            name="nourl",
            version="1",
            platforms=BOTH,
            wheels=(LockedFile(name="nourl-1-py3-none-any.whl", sha256="e"),),
        ),
    )
    found = entries_from_pins(packages, "3.11", BOTH)
    assert [(e.name, e.platform, e.url.rsplit("/", 1)[1], e.sha256) for e in found] == [
        ("fast", AMD, wheels[2], f"{wheels[2]}-sha"),  # the most specific tag wins
        ("fast", ARM, wheels[3], f"{wheels[3]}-sha"),
        ("tiny", ARM, "tiny-0.1.tar.gz", "tiny-0.1.tar.gz-sha"),
    ]  # pins without a file URL have no entry
    assert [e.platform for e in entries_from_pins(packages, "3.11", (ARM,))] == [ARM, ARM]


def test_preferred_wheel_follows_pips_order() -> None:
    assert preferred_wheel(["a-1-py3-none-any.whl", "a-1-cp311-abi3-manylinux_2_17_x86_64.whl"],
                           "3.11", AMD) == "a-1-cp311-abi3-manylinux_2_17_x86_64.whl"  # fmt: skip
    assert preferred_wheel(["a-1-cp312-cp312-manylinux_2_28_x86_64.whl"], "3.11", AMD) is None
    assert preferred_wheel(["not-a-wheel.whl"], "3.11", AMD) is None


PYLOCK = """\
lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "tiny"
version = "0.1"
sdist = { url = "https://user:secret@private.example/files/tiny-0.1.tar.gz", \
hashes = { sha256 = "ccc" } }
"""


def test_pylock_keeps_file_urls_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    (tmp_path / "requirements.in").write_text("tiny\n")
    spec = load_spec(tmp_path, env={})
    (plain,) = parse_pylock(PYLOCK, AMD, spec)
    assert plain.sdist == LockedFile(name="tiny-0.1.tar.gz", sha256="ccc")
    (kept,) = parse_pylock(PYLOCK, AMD, spec, urls=True)
    assert kept.sdist is not None
    assert kept.sdist.url == "https://private.example/files/tiny-0.1.tar.gz"  # no credentials


def test_a_conda_lock_pip_entry_that_is_no_wheel_or_sdist_names_file_and_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conda-lock.yml"
    text = (FIXTURES / "conda-lock.yml").read_text()
    path.write_text(text.replace(SIX_URL, "https://files.example.org/packages/six/", 1))
    with pytest.raises(ReproenvError) as caught:
        read_conda_lock(path, BOTH)
    error = caught.value
    assert str(error).startswith("conda-lock.yml: package[7].url: 'https://files.example.org")
    assert "is not a wheel or an sdist of six" in str(error)
    assert (error.reference, error.exit_code) == ("conda-lock-bad-url", ExitCode.BAD_INPUT)
    assert error.context == {"file": str(path), "key": "package[7].url"}
    assert error.hint


def test_a_pixi_pypi_package_that_is_no_wheel_or_sdist_names_file_and_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pixi.lock"
    text = (FIXTURES / "pixi.lock").read_text()
    path.write_text(text.replace(SIX_URL, "https://files.example.org/packages/six-1.17.0.exe"))
    with pytest.raises(ReproenvError) as caught:
        read_pixi_lock(path, None, BOTH)
    error = caught.value
    key = "packages[https://files.example.org/packages/six-1.17.0.exe]"
    assert str(error) == f"pixi.lock: {key}: PyPI package six is not a wheel or an sdist"
    assert (error.reference, error.exit_code) == ("pixi-lock-bad-url", ExitCode.BAD_INPUT)
    assert error.context == {"file": str(path), "key": key}
    assert error.hint
