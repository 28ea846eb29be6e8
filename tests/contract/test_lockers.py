"""Every registered locker honours the same contract, against the fake index (no network)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.locker import Locked, Locker, LockRequest, Upgrade
from reproenv.lock.lockers import REGISTRY
from reproenv.lock.model import Lock, LockedImage
from reproenv.oci.platform import host_platform
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec
from tests.fakes.package_index import FakeIndex, FakePackage
from tests.unit.lock.test_model import sample_lock

PACKAGES = [
    FakePackage("app", "1.0", requires=["lib>=1"]),
    FakePackage("lib", "1.0"),
    FakePackage("lib", "2.0"),
]
# the host's target: a locker that runs its tool for the interpreter that runs it (pip-tools)
# does so here, not in a base image
PLATFORM = host_platform()
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
IMAGE = LockedImage(
    reference="docker.io/library/python:3.11-slim-bookworm",
    platform=PLATFORM or "linux/amd64",
    digest="sha256:" + "ab" * 32,
)

pytestmark = pytest.mark.skipif(
    PLATFORM is None or not sys.platform.startswith("linux"), reason="a Linux target host"
)


def _id(locker: Locker) -> str:
    backend = getattr(locker, "backend", None)
    return f"{locker.name}-{backend.name}" if backend is not None else locker.name


@pytest.fixture(params=REGISTRY, ids=[_id(locker) for locker in REGISTRY])
def locker(request: pytest.FixtureRequest) -> Locker:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def index() -> Iterator[FakeIndex]:
    with FakeIndex(PACKAGES).serve() as running:
        yield running


@pytest.fixture(autouse=True)
def _on_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPROENV_PIP_TOOLS_IN_IMAGE", raising=False)


def _spec(tmp_path: Path, index: FakeIndex, requirements: str) -> Spec:
    (tmp_path / "reproenv.toml").write_text(
        f'name = "contract"\npython = "{PYTHON}"\nplatforms = ["{PLATFORM}"]\n'
        f'[pip]\nrequirements = ["requirements.in"]\nindex-url = "{index.url}"\n'
    )
    (tmp_path / "requirements.in").write_text(requirements)
    return load_spec(tmp_path, env={})


def _lock(locker: Locker, spec: Spec, **changes: object) -> Locked:
    request = LockRequest(spec, spec.platforms, images={IMAGE.platform: IMAGE})
    fields = {**request.__dict__, **changes}
    return locker.lock(LockRequest(**fields))  # type: ignore[arg-type]


def _pins(locked: Locked) -> dict[str, str]:
    return {p.name: p.version for p in locked.section["pip_packages"]}


def _whole_lock(locked: Locked) -> Lock:
    """The section with the other lockers' parts taken from a sample: it must fit a `Lock`."""
    base = sample_lock().model_dump()
    base.update(locked.section)
    return Lock.model_validate(base)


def test_the_section_is_part_of_a_lock_and_covers_every_platform(
    locker: Locker, index: FakeIndex, tmp_path: Path
) -> None:
    locked = _lock(locker, _spec(tmp_path, index, "app\n"))
    lock = _whole_lock(locked)
    assert set(locked.section) <= set(Lock.model_fields)
    assert _pins(locked) == {"app": "1.0", "lib": "2.0"}
    for package in lock.pip_packages:
        assert package.platforms == (PLATFORM,)
        assert package.hashes and all(h.startswith("sha256:") for h in package.hashes)
    assert isinstance(locked.warnings, tuple)


def test_the_same_inputs_lock_to_the_same_section(
    locker: Locker, index: FakeIndex, tmp_path: Path
) -> None:
    spec = _spec(tmp_path, index, "app\n")
    assert _lock(locker, spec) == _lock(locker, spec)


def test_pins_of_the_previous_lock_are_kept_unless_upgraded(
    locker: Locker, index: FakeIndex, tmp_path: Path
) -> None:
    spec = _spec(tmp_path, index, "app\nlib==1.0\n")
    older = _whole_lock(_lock(locker, spec))
    assert _pins(_lock(locker, spec))["lib"] == "1.0"
    (tmp_path / "requirements.in").write_text("app\n")  # lib 2.0 now allowed
    spec = _spec(tmp_path, index, "app\n")
    assert _pins(_lock(locker, spec, previous=older))["lib"] == "1.0"
    upgraded = _lock(locker, spec, previous=older, upgrade=Upgrade(packages=("lib",)))
    assert _pins(upgraded)["lib"] == "2.0"
    assert _pins(_lock(locker, spec, previous=older, upgrade=Upgrade(everything=True))) == {
        "app": "1.0",
        "lib": "2.0",
    }


def test_an_unsatisfiable_input_is_an_error_that_names_it(
    locker: Locker, index: FakeIndex, tmp_path: Path
) -> None:
    with pytest.raises(ReproenvError) as raised:
        _lock(locker, _spec(tmp_path, index, "lib>=3\n"))
    # what the tool said, not a traceback (pip-tools' classification is coarser than uv's)
    assert raised.value.reference in {"unsatisfiable-requirements", "resolver-failed"}
    assert raised.value.exit_code in {ExitCode.BAD_INPUT, ExitCode.ENVIRONMENT}
    assert "lib" in raised.value.message


def test_registered_lockers_are_named_and_distinct() -> None:
    ids = [_id(locker) for locker in REGISTRY]
    assert len(set(ids)) == len(ids)
    assert {locker.name for locker in REGISTRY} == {"pip"}  # conda joins here
