"""Every registered locker honours the same contract, against the fake index (no network)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.conda.installer import INSTALLER, installer_version
from reproenv.lock.locker import Locked, Locker, LockRequest, Upgrade
from reproenv.lock.lockers import REGISTRY
from reproenv.lock.model import Lock, LockedImage
from reproenv.oci.platform import host_platform
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec
from tests.fakes.package_index import FakeIndex, FakePackage
from tests.unit.lock.test_model import sample_lock

# the same world in every ecosystem: app 1.0 needs lib >= 1; lib 1.0 and 2.0 exist
PACKAGES = [
    FakePackage("app", "1.0", requires=["lib>=1"]),
    FakePackage("lib", "1.0"),
    FakePackage("lib", "2.0"),
    FakePackage(INSTALLER, installer_version()),  # what installs conda records in the image
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


def _conda_channel(root: Path) -> str:
    """The world as a conda channel of repodata alone (the solver reads nothing else)."""
    records = {
        "app-1.0-0.conda": ("app", "1.0", ["lib >=1"]),
        "lib-1.0-0.conda": ("lib", "1.0", []),
        "lib-2.0-0.conda": ("lib", "2.0", []),
        f"python-{PYTHON}.0-0.conda": ("python", f"{PYTHON}.0", []),
    }
    for subdir in ("linux-64", "linux-aarch64", "noarch"):
        content = {} if subdir == "noarch" else {
            file: {"name": n, "version": v, "build": "0", "build_number": 0, "depends": d,
                   "subdir": subdir, "md5": f"{i:032x}", "sha256": f"{i:064x}", "size": 1}
            for i, (file, (n, v, d)) in enumerate(records.items(), 1)
        }  # fmt: skip
        (root / subdir).mkdir(parents=True, exist_ok=True)
        (root / subdir / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages": {}, "packages.conda": content})
        )
    return root.as_uri()


def _spec(locker: Locker, tmp_path: Path, index: FakeIndex, requirements: str) -> Spec:
    """A spec asking for `requirements` (pip lines: "app", "lib==1.0") in the locker's own
    ecosystem."""
    pip_table = f'[pip]\nindex-url = "{index.url}"\n'
    if locker.name == "conda":
        channel = _conda_channel(tmp_path / "channel")
        specs = "".join(f"  - {line}\n" for line in requirements.split())
        (tmp_path / "environment.yml").write_text(f"channels: [{channel}]\ndependencies:\n{specs}")
        table = '[conda]\nenvironment = ["environment.yml"]\n'
    else:
        (tmp_path / "requirements.in").write_text(requirements)
        table, pip_table = "", pip_table + 'requirements = ["requirements.in"]\n'
    (tmp_path / "reproenv.toml").write_text(
        f'name = "contract"\npython = "{PYTHON}"\nplatforms = ["{PLATFORM}"]\n{table}{pip_table}'
    )
    return load_spec(tmp_path, env={})


def _lock(locker: Locker, spec: Spec, **changes: object) -> Locked:
    request = LockRequest(spec, spec.platforms, images={IMAGE.platform: IMAGE})
    fields = {**request.__dict__, **changes}
    return locker.lock(LockRequest(**fields))


def _pins(locked: Locked) -> dict[str, str]:
    packages = locked.section.get("pip_packages", locked.section.get("conda_packages", ()))
    return {p.name: p.version for p in packages if p.name != "python"}


def _whole_lock(locked: Locked) -> Lock:
    """The section with the other lockers' parts taken from a sample: it must fit a `Lock`."""
    base = sample_lock().model_dump()
    base.update(locked.section)
    return Lock.model_validate(base)


def test_the_section_is_part_of_a_lock_and_covers_every_platform(
    locker: Locker, index: FakeIndex, tmp_path: Path
) -> None:
    locked = _lock(locker, _spec(locker, tmp_path, index, "app\n"))
    lock = _whole_lock(locked)
    assert set(locked.section) <= set(Lock.model_fields)
    assert _pins(locked) == {"app": "1.0", "lib": "2.0"}
    for package in lock.pip_packages:
        assert package.platforms == (PLATFORM,)
        assert package.hashes and all(h.startswith("sha256:") for h in package.hashes)
    for record in lock.conda_packages:
        assert record.platforms == (PLATFORM,)
        assert len(record.sha256) == 64 and len(record.md5) == 32
    assert isinstance(locked.warnings, tuple)


def test_the_same_inputs_lock_to_the_same_section(
    locker: Locker, index: FakeIndex, tmp_path: Path
) -> None:
    spec = _spec(locker, tmp_path, index, "app\n")
    assert _lock(locker, spec) == _lock(locker, spec)


def test_pins_of_the_previous_lock_are_kept_unless_upgraded(
    locker: Locker, index: FakeIndex, tmp_path: Path
) -> None:
    spec = _spec(locker, tmp_path, index, "app\nlib==1.0\n")
    older = _whole_lock(_lock(locker, spec))
    assert _pins(_lock(locker, spec))["lib"] == "1.0"
    (tmp_path / "requirements.in").write_text("app\n")  # lib 2.0 now allowed
    spec = _spec(locker, tmp_path, index, "app\n")
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
        _lock(locker, _spec(locker, tmp_path, index, "lib>=3\n"))
    # what the tool said, not a traceback (pip-tools' classification is coarser than uv's)
    assert raised.value.reference in {
        "unsatisfiable-requirements",
        "resolver-failed",
        "conda-unsatisfiable",
    }
    assert raised.value.exit_code in {ExitCode.BAD_INPUT, ExitCode.ENVIRONMENT}
    assert "lib" in raised.value.message


def test_registered_lockers_are_named_and_distinct() -> None:
    ids = [_id(locker) for locker in REGISTRY]
    assert len(set(ids)) == len(ids)
    assert {locker.name for locker in REGISTRY} == {"pip", "conda"}
