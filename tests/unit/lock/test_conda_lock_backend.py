"""`--backend conda-lock` in parts: the command reproenv builds, the executables it looks for,
the image's virtual packages, the mirror, conda-lock's failures, the Python check, what it
makes of conda-lock's file, and how the backend sticks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.backends import backend_of, split_backend, sticky_backend
from reproenv.lock.conda import condalock
from reproenv.lock.conda.condalock import (
    CONDA_LOCK_PIN,
    as_solved,
    channel_args,
    check_python,
    conda_lock_argv,
    failure,
    find_conda,
    find_conda_lock,
    virtual_packages_yaml,
)
from reproenv.lock.conda.solve import Target
from reproenv.lock.locker import Locked
from reproenv.lock.model import Lock, LockedCondaPackage
from reproenv.settings import CONDA_MIRROR_ENV
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec
from tests.unit.lock.test_model import sample_lock


def test_the_command_line() -> None:
    argv = conda_lock_argv(
        ("uv", "tool", "run", "--from", "conda-lock==4.0.3", "conda-lock"),
        "/opt/bin/micromamba",
        [Path("/p/environment.yml"), Path("/p/extra.yml")],
        ["linux-64", "linux-aarch64"],
        Path("/tmp/s/conda-lock.yml"),
        Path("/tmp/s/virtual-packages.yml"),
        ["https://mirror.example/conda-forge"],
    )
    assert argv == [
        "uv", "tool", "run", "--from", "conda-lock==4.0.3", "conda-lock",
        "lock", "--conda", "/opt/bin/micromamba", "--kind", "lock",
        "--lockfile", "/tmp/s/conda-lock.yml",
        "-f", "/p/environment.yml", "-f", "/p/extra.yml",
        "-p", "linux-64", "-p", "linux-aarch64",
        "-c", "https://mirror.example/conda-forge",
        "--virtual-package-spec", "/tmp/s/virtual-packages.yml", "--strip-auth",
    ]  # fmt: skip


def test_without_channels_the_files_own_are_used() -> None:
    argv = conda_lock_argv(
        ("conda-lock",), "conda", [Path("e.yml")], ["linux-64"], Path("l"), Path("v")
    )
    assert "-c" not in argv


def test_the_first_conda_on_path_in_order() -> None:
    on_path = {"mamba": "/x/mamba", "micromamba": "/x/micromamba"}
    assert find_conda(on_path.get) == "/x/mamba"
    assert find_conda({"conda": "/x/conda", **on_path}.get) == "/x/conda"
    with pytest.raises(ReproenvError) as raised:
        find_conda({}.get)
    error = raised.value
    assert error.exit_code is ExitCode.ENVIRONMENT and error.reference == "conda-lock-no-conda"
    assert "conda, mamba or micromamba" in error.message
    assert "--backend conda-lock" in error.hint and "py-rattler" in error.hint


def test_conda_lock_on_path_else_the_pinned_one_through_uv() -> None:
    found = find_conda_lock({"conda-lock": "/x/conda-lock"}.get)
    assert found.command == ("/x/conda-lock",) and found.version is None  # asked when run
    pinned = find_conda_lock({}.get)
    assert pinned.command[1:] == (
        "tool",
        "run",
        "--from",
        f"conda-lock=={CONDA_LOCK_PIN}",
        "conda-lock",
    )
    assert Path(pinned.command[0]).name.startswith("uv") and pinned.version == CONDA_LOCK_PIN


def test_the_virtual_packages_are_the_images() -> None:
    text = virtual_packages_yaml(
        [Target("linux/amd64", "2.36", "12.4"), Target("linux/arm64", "2.31")]
    )
    subdirs = yaml.safe_load(text)["subdirs"]
    amd64, arm64 = subdirs["linux-64"]["packages"], subdirs["linux-aarch64"]["packages"]
    assert amd64["__glibc"] == "2.36" and amd64["__cuda"] == "12.4"
    assert amd64["__archspec"] == "1 x86_64" and amd64["__unix"] == "0"
    assert arm64["__glibc"] == "2.31" and arm64["__archspec"] == "1 aarch64"
    assert "__cuda" not in arm64  # a CPU target offers no CUDA, whatever the host has


def test_named_channels_go_through_the_mirror() -> None:
    channels = ("conda-forge", "https://repo.example/ch")
    assert channel_args(channels, None) == channels
    assert channel_args(channels, "https://mirror.example/") == (
        "https://mirror.example/conda-forge",
        "https://repo.example/ch",
    )


def test_a_solve_failure_is_the_users_and_keeps_only_the_tail() -> None:
    noise = "".join(f"line {n}\n" for n in range(40))
    stderr = (
        noise + "https://u:pw@host.example/t/tok-9/conda-forge/linux-64\n"
        "LibMambaUnsatisfiableError: nothing provides numpy >=9\n"
    )
    error = failure(1, stderr)
    assert error.exit_code is ExitCode.BAD_INPUT and error.reference == "conda-lock-unsatisfiable"
    assert "nothing provides numpy >=9" in error.message
    assert "line 0\n" not in error.message and "line 39" in error.message
    assert "pw" not in error.message and "tok-9" not in error.message


def test_another_failure_is_the_machines() -> None:
    error = failure(120, "CondaHTTPError: HTTP 000 CONNECTION FAILED for url\n")
    assert error.exit_code is ExitCode.ENVIRONMENT and error.reference == "conda-lock-failed"
    assert "exit 120" in error.message and "CONNECTION FAILED" in error.message
    assert failure(1, "").message.endswith("(no output)")


def _spec(tmp_path: Path, channels: str = "[conda-forge]") -> Spec:
    (tmp_path / "environment.yml").write_text(
        f"channels: {channels}\ndependencies:\n  - python=3.11\n"
    )
    (tmp_path / "reproenv.toml").write_text(
        'name = "demo"\npython = "3.11"\n[conda]\nenvironment = ["environment.yml"]\n'
    )
    return load_spec(tmp_path, env={})


def _record(name: str, version: str, url: str) -> LockedCondaPackage:
    return LockedCondaPackage(
        name=name, version=version, build="0", subdir="linux-64", channel=url.rsplit("/", 2)[0],
        url=url, sha256="a" * 64, md5="b" * 32, platforms=("linux/amd64",),
    )  # fmt: skip


def test_the_environments_python_must_be_the_specs(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    url = "https://c.example/conda-forge/linux-64/python-{}-0.conda"
    check_python(spec, [_record("python", "3.11.9", url.format("3.11.9"))])
    for records in ([_record("python", "3.12.1", url.format("3.12.1"))], []):
        with pytest.raises(ReproenvError) as raised:
            check_python(spec, records)
        assert raised.value.reference == "conda-lock-python"
        assert raised.value.context == {"file": "environment.yml", "key": "dependencies"}
        assert "python=3.11" in raised.value.hint


def test_the_lock_file_taken_reads_as_a_solve_through_the_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONDA_MIRROR_ENV, "https://mirror.example/")
    spec = _spec(tmp_path)
    url = "https://mirror.example/conda-forge/linux-64/python-3.11.9-0.conda"
    taken = Locked(
        {
            "conda_channels": ("https://mirror.example/conda-forge",),
            "conda_solver": "conda-lock.yml used as it is",
            "conda_packages": (_record("python", "3.11.9", url),),
            "conda_installer": (),
        },
        ("a warning",),
    )
    solved = as_solved(taken, "conda-lock 4.0.3", spec)
    assert solved.warnings == ("a warning",)
    assert solved.section["conda_solver"] == "conda-lock 4.0.3"
    assert solved.section["conda_channels"] == ("conda-forge",)
    (record,) = solved.section["conda_packages"]
    assert record.url == "https://conda.anaconda.org/conda-forge/linux-64/python-3.11.9-0.conda"
    assert record.channel == "https://conda.anaconda.org/conda-forge"


def test_conda_locks_own_pip_pins_are_left_to_the_pip_locker(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    packages = [{"name": "numpy", "manager": "conda"}, {"name": "plotlib", "manager": "pip"}]
    path.write_text(yaml.safe_dump({"version": 1, "package": packages}))
    condalock._without_pip_entries(path)
    assert [p["name"] for p in yaml.safe_load(path.read_text())["package"]] == ["numpy"]


def _made_by(solver: str | None, pip: str = "uv") -> Lock:
    return sample_lock().model_copy(update={"conda_solver": solver, "resolver_backend": pip})


def test_the_backend_a_lock_was_made_with(tmp_path: Path) -> None:
    assert backend_of(_made_by(None)) == "uv"
    assert backend_of(_made_by("py-rattler 0.28.0", "pip-tools")) == "pip-tools"
    assert backend_of(_made_by("conda-lock.yml used as it is")) == "uv"  # taken, not solved
    assert backend_of(_made_by("conda-lock 4.0.3")) == "conda-lock"


def test_conda_lock_sticks_while_the_spec_has_environment_files(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert sticky_backend(None, spec) == "uv"
    assert sticky_backend(_made_by("conda-lock 4.0.3"), spec) == "conda-lock"
    pip_only = spec.model_copy(update={"conda": None})
    assert sticky_backend(_made_by("conda-lock 4.0.3", "pip-tools"), pip_only) == "pip-tools"


def test_conda_lock_keeps_the_pip_backend_of_the_lock() -> None:
    assert split_backend("conda-lock", None) == ("uv", True)
    assert split_backend("conda-lock", _made_by(None, "pip-tools")) == ("pip-tools", True)
    assert split_backend("pip-tools", _made_by("conda-lock 4.0.3")) == ("pip-tools", False)
