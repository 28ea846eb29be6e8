"""The pip part of an environment file: what conda provides is pinned around, not again."""

from __future__ import annotations

from pathlib import Path

from reproenv.lock.conda.pip_inputs import pip_part_lines, provided_by_conda, with_pip_part
from reproenv.lock.model import LockedCondaPackage
from reproenv.spec.load import load_spec
from reproenv.spec.model import CondaEntry


def _record(name: str, version: str, *depends: str) -> LockedCondaPackage:
    return LockedCondaPackage(
        name=name, version=version, build="0", subdir="linux-64", channel="c",
        url=f"https://c.example/linux-64/{name}-{version}-0.conda", sha256="a" * 64,
        md5="b" * 32, platforms=("linux/amd64",), depends=depends,
    )  # fmt: skip


def test_python_distributions_are_provided_under_their_pypi_names() -> None:
    records = [
        _record("python", "3.11.9"),
        _record("numpy", "1.26.4", "python >=3.11,<3.12", "libblas"),
        _record("pytorch", "2.3.1", "python_abi 3.11.* *_cp311", "python 3.11.*"),
        _record("libblas", "3.9.0"),  # a C library: nothing pip would install
        _record("ruamel.yaml", "0.18.6", "python"),
        _record("odd", "1.0-rc.x", "python"),  # not a PEP 440 version: left to pip
        _record("pip", "24.0", "python"),
    ]
    assert provided_by_conda(records) == {
        "numpy": "1.26.4",
        "torch": "2.3.1",
        "ruamel-yaml": "0.18.6",
    }


def test_includes_are_relative_to_the_environment_file(tmp_path: Path) -> None:
    (tmp_path / "reproenv.toml").write_text("")
    spec = load_spec(tmp_path, env={})
    entries = [
        CondaEntry(text="tqdm==4.66.0", file="envs/environment.yml", line=7),
        CondaEntry(text="-r extra.txt", file="envs/environment.yml", line=8),
        CondaEntry(text="--constraint=../pins.txt", file="envs/environment.yml", line=9),
    ]
    assert pip_part_lines(spec, entries) == [
        "tqdm==4.66.0",
        f"-r {tmp_path / 'envs' / 'extra.txt'}",
        f"--constraint {tmp_path / 'pins.txt'}",
    ]


def test_without_pip_inputs_nothing_is_added_for_uv(tmp_path: Path) -> None:
    (tmp_path / "reproenv.toml").write_text("")
    spec = load_spec(tmp_path, env={})
    derived, provided = with_pip_part(spec, [_record("numpy", "1.26.4", "python")], tmp_path)
    assert derived is spec and provided == {"numpy"}
    assert not list(tmp_path.glob("conda-*"))
