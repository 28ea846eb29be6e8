"""Warnings a lock carries, the base image's Python check, and the pip keys of item 10/11."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reproenv.errors import ReproenvError, environment
from reproenv.lock.base_python import UNCHECKED, check_base_python
from reproenv.lock.inputs import input_hash
from reproenv.lock.model import (
    LockedFile,
    LockedGpu,
    LockedImage,
    LockedPipPackage,
    dump_lock,
    parse_lock,
)
from reproenv.lock.pip.packages import refuse_source_only
from reproenv.lock.pip.uv_command import exclude_newer_timestamp
from reproenv.lock.warnings import lock_warnings
from reproenv.oci.client import RegistryClient
from reproenv.oci.manifest import python_version_of
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve
from tests.unit.lock.test_model import sample_lock

AMD64 = ("linux/amd64",)
SOURCE_ONLY = LockedPipPackage(
    name="oldnum", version="1.19.5", platforms=AMD64,
    sdist=LockedFile(name="oldnum-1.19.5.zip", sha256="c" * 64),
)  # fmt: skip


def spec_in(folder: Path, text: str = "") -> Spec:
    (folder / "requirements.in").write_text("lib\noldnum<1.20\n")
    (folder / "reproenv.toml").write_text(f'{text}[pip]\nrequirements = ["requirements.in"]\n')
    return load_spec(folder, env={})


# -- warnings --------------------------------------------------------------------------------


def test_every_kind_of_warning_is_gathered(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text("dependencies:\n  - numpy\n")
    spec = spec_in(tmp_path)
    lock = sample_lock().model_copy(
        update={
            "pip_packages": (*sample_lock().pip_packages, SOURCE_ONLY),
            "gpu": LockedGpu(need="cuda", reason="r", warnings=("torch 9 is not in the data",)),
            "warnings": (f"{UNCHECKED} x: no engine",),
        }
    )
    found = lock_warnings(spec, lock)
    assert found[0] == "torch 9 is not in the data"
    assert found[1] == f"{UNCHECKED} x: no engine"
    assert found[2].startswith("oldnum 1.19.5 has no wheel for Python 3.11 on linux/amd64")
    assert "built from source (oldnum-1.19.5.zip)" in found[2]
    assert found[3].startswith("2 apt packages are pinned") and "apt.snapshot" in found[3]
    assert found[4].startswith("environment.yml is not locked")


def test_exclude_newer_on_pins_taken_as_they_are_is_said(tmp_path: Path) -> None:
    lock = sample_lock().model_copy(
        update={
            "apt_snapshot": "20260520T000000Z",
            "pip_exclude_newer": "2022-06-01",
            "resolver": "uv 0.0.0 (input used as it is)",
        }
    )
    (warning,) = lock_warnings(spec_in(tmp_path), lock)
    assert "does not apply to pins taken as they are (requirements.in)" in warning


def test_no_warning_for_a_plain_lock(tmp_path: Path) -> None:
    lock = sample_lock().model_copy(update={"apt_snapshot": "20260520T000000Z"})
    assert lock_warnings(spec_in(tmp_path), lock) == []


def test_recorded_warnings_round_trip_and_are_absent_when_none() -> None:
    plain = dump_lock(sample_lock())
    assert "warnings" not in plain and "pip-exclude-newer" not in plain
    noted = sample_lock().model_copy(
        update={"warnings": ("could not check",), "pip_exclude_newer": "2022-06-01"}
    )
    text = dump_lock(noted)
    assert 'pip-exclude-newer = "2022-06-01"' in text
    parsed = parse_lock(text, Path("reproenv.lock"))
    assert parsed.warnings == ("could not check",) and parsed.pip_exclude_newer == "2022-06-01"
    assert dump_lock(parsed) == text


# -- pip.exclude-newer and pip.only-wheels --------------------------------------------------


@pytest.mark.parametrize(
    ("written", "passed"),
    [
        ("2022-06-01", "2022-06-01T00:00:00Z"),
        ("2022-06-01T12:30:00Z", "2022-06-01T12:30:00Z"),
        ("2022-06-01T12:30:00+02:00", "2022-06-01T10:30:00Z"),
    ],
)
def test_exclude_newer_reaches_uv_as_a_utc_timestamp(written: str, passed: str) -> None:
    assert exclude_newer_timestamp(written) == passed


def test_exclude_newer_and_only_wheels_enter_the_hash_only_when_set(tmp_path: Path) -> None:
    # unset, the hash is what it was before the keys existed (test_inputs pins that one)
    plain = input_hash(spec_in(tmp_path))
    (tmp_path / "reproenv.toml").write_text(
        '[pip]\nrequirements = ["requirements.in"]\nexclude-newer = "2022-06-01"\n'
    )
    dated = input_hash(load_spec(tmp_path, env={}))
    (tmp_path / "reproenv.toml").write_text(
        '[pip]\nrequirements = ["requirements.in"]\nonly-wheels = true\n'
    )
    wheels = input_hash(load_spec(tmp_path, env={}))
    assert len({plain, dated, wheels}) == 3


@pytest.mark.parametrize("value", ["2022-13-01", "2022-02-30", "June 2022", "2022-06-01T10:00"])
def test_a_bad_exclude_newer_names_the_key(tmp_path: Path, value: str) -> None:
    (tmp_path / "reproenv.toml").write_text(f'[pip]\nexclude-newer = "{value}"\n')
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path, env={})
    assert caught.value.context["key"] == "pip.exclude-newer"


def test_only_wheels_refuses_a_source_only_pin_naming_its_line(tmp_path: Path) -> None:
    spec = spec_in(tmp_path, "")
    refuse_source_only(spec, sample_lock().pip_packages)  # wheels only: nothing to say
    with pytest.raises(ReproenvError) as caught:
        refuse_source_only(spec, (SOURCE_ONLY,))
    assert caught.value.reference == "source-only-pin"
    assert "oldnum 1.19.5 has no wheel for Python 3.11" in caught.value.message
    assert "requirements.in:2: oldnum<1.20" in caught.value.message


def test_pip_tools_refuses_exclude_newer(tmp_path: Path) -> None:
    from reproenv.lock.pip.piptools import resolve_piptools

    spec = spec_in(tmp_path, "")
    dated = spec.model_copy(update={"exclude_newer": "2022-06-01"})
    image = LockedImage(
        reference="docker.io/library/python:3.11",
        platform="linux/amd64",
        digest="sha256:" + "a" * 64,
    )
    with pytest.raises(ReproenvError) as caught:
        resolve_piptools(dated, "linux/amd64", None, image)
    assert caught.value.context["key"] == "pip.exclude-newer"


# -- the base image's Python ----------------------------------------------------------------


def test_python_version_of_reads_the_config_env() -> None:
    config = {"config": {"Env": ["PATH=/usr/bin", "PYTHON_VERSION=3.11.9"]}}
    assert python_version_of(config) == "3.11.9"
    assert python_version_of({"config": {"Env": ["LANG=C.UTF-8"]}}) is None
    assert python_version_of({"architecture": "amd64"}) is None


@dataclass
class FakeEngine:
    """The seam DockerEngine offers the check: `info` and `capture`."""

    answer: tuple[int, str] | None  # (exit code, output) of `python3 --version`; None: no engine
    calls: list[list[str]] = field(default_factory=list)

    def info(self) -> object:
        if self.answer is None:
            raise environment("the Docker engine is not reachable", "docker-engine-unavailable")
        return object()

    def capture(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        assert self.answer is not None
        return subprocess.CompletedProcess(args, self.answer[0], self.answer[1], "")


def _images(registry: FakeRegistry, tag: str, env: tuple[str, ...] = ()) -> tuple[LockedImage, ...]:
    digest = registry.add_image("lab/py", tag, env=env)
    return (
        LockedImage(
            reference=f"{registry.address}/lab/py:{tag}", platform="linux/amd64", digest=digest
        ),
    )


def test_base_python_from_the_config_or_the_engine(tmp_path: Path) -> None:
    spec = spec_in(tmp_path, 'python = "3.12"\n[image]\nbase = "lab/py:1"\n')
    registry = FakeRegistry()
    with serve(registry):
        client = RegistryClient()
        ok = _images(registry, "ok", ("PYTHON_VERSION=3.12.4",))
        assert check_base_python(spec, ok, client, engine=FakeEngine(None)) == ()  # type: ignore[arg-type]
        wrong = _images(registry, "wrong", ("PYTHON_VERSION=3.11.9",))
        with pytest.raises(ReproenvError) as caught:
            check_base_python(spec, wrong, client, engine=FakeEngine(None))  # type: ignore[arg-type]
        assert caught.value.reference == "base-python-mismatch"
        assert 'python = "3.12"' in caught.value.message and "Python 3.11.9" in caught.value.message
        bare = _images(registry, "bare")
        asked = FakeEngine((0, "Python 3.11.2\n"))
        with pytest.raises(ReproenvError):
            check_base_python(spec, bare, client, engine=asked)  # type: ignore[arg-type]
        assert asked.calls and asked.calls[0][-2:] == [asked.calls[0][-2], "--version"]
        fits = FakeEngine((0, "Python 3.12.1\n"))
        assert check_base_python(spec, bare, client, engine=fits) == ()  # type: ignore[arg-type]
        none = FakeEngine((127, "exec: python3: executable file not found"))
        with pytest.raises(ReproenvError) as missing:
            check_base_python(spec, bare, client, engine=none)  # type: ignore[arg-type]
        assert missing.value.reference == "base-without-python"
        (warning,) = check_base_python(spec, bare, client, engine=FakeEngine(None))  # type: ignore[arg-type]
        assert warning.startswith(UNCHECKED) and "PYTHON_VERSION" in warning


def test_a_checked_lock_is_not_asked_again(tmp_path: Path) -> None:
    spec = spec_in(tmp_path, 'python = "3.12"\n[image]\nbase = "lab/py:1"\n')
    images = (
        LockedImage(
            reference="127.0.0.1:9/lab/py:1", platform="linux/amd64", digest="sha256:" + "d" * 64
        ),
    )
    previous = sample_lock().model_copy(
        update={"images": images, "python": "3.12", "warnings": (f"{UNCHECKED} earlier",)}
    )
    engine = FakeEngine(None)
    assert check_base_python(spec, images, previous=previous, engine=engine) == (
        f"{UNCHECKED} earlier",
    )  # type: ignore[arg-type]
    assert not engine.calls
