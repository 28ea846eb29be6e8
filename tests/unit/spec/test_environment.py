"""conda environment files read with their lines, merged, and the spec's [conda] table checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ReproenvError
from reproenv.spec.environment import read_environments
from reproenv.spec.load import load_spec

BASE = """\
name: base
channels:
  - conda-forge
  - bioconda
dependencies:
  - python=3.11
  - numpy >=1.26
  - pip:
      - tqdm==4.66.0
      - -r requirements-extra.txt
"""
EXTRA = """\
channels:
  - conda-forge
  - pytorch
dependencies:
  - numpy <2
  - pytorch::pytorch
"""


def _write(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name.replace("_", ".", 1)).write_text(text)
    return tmp_path


def test_files_merge_in_order_and_every_entry_keeps_its_line(tmp_path: Path) -> None:
    _write(tmp_path, environment_yml=BASE, extra_yml=EXTRA)
    env = read_environments(tmp_path, ["environment.yml", "extra.yml"])
    assert env.name == "base"
    assert [c.text for c in env.channels] == ["conda-forge", "bioconda", "pytorch"]
    assert [(s.text, s.where) for s in env.specs] == [
        ("python=3.11", "environment.yml:6"),
        ("numpy >=1.26", "environment.yml:7"),
        ("numpy <2", "extra.yml:5"),  # both kept: the solver intersects them
        ("pytorch::pytorch", "extra.yml:6"),
    ]
    assert [(p.text, p.line) for p in env.pip] == [
        ("tqdm==4.66.0", 9),
        ("-r requirements-extra.txt", 10),
    ]


@pytest.mark.parametrize(
    ("text", "where", "key"),
    [
        ("dependencies: [numpy\n", "environment.yml:2", None),
        ("- numpy\n", "environment.yml:1", None),
        ("dependencies: numpy\n", "environment.yml:1", "dependencies"),
        ("channels: {a: 1}\n", "environment.yml:1", "channels"),
        ("dependencies:\n  - numpy\n  - [nested]\n", "environment.yml:3", "dependencies[1]"),
        ("dependencies:\n  - conda:\n    - numpy\n", "environment.yml:2", "dependencies"),
    ],
)
def test_a_malformed_file_names_its_line_and_key(
    tmp_path: Path, text: str, where: str, key: str | None
) -> None:
    _write(tmp_path, environment_yml=text)
    with pytest.raises(ReproenvError) as raised:
        read_environments(tmp_path, ["environment.yml"])
    assert raised.value.message.startswith(where), raised.value.message
    assert raised.value.context.get("key") == key
    assert raised.value.reference == "conda-environment-invalid"


def test_odd_bytes_are_named_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_bytes(b"dependencies:\n  - caf\xe9\n")
    with pytest.raises(ReproenvError) as raised:
        read_environments(tmp_path, ["environment.yml"])
    assert "not UTF-8" in raised.value.message and ":2" in raised.value.message


def _spec_with(tmp_path: Path, conda_table: str, **files: str):  # type: ignore[no-untyped-def]
    _write(tmp_path, **files)
    (tmp_path / "reproenv.toml").write_text(f'name = "demo"\npython = "3.11"\n{conda_table}')
    return load_spec(tmp_path, env={})


def test_the_spec_takes_the_files_channels_unless_it_names_its_own(tmp_path: Path) -> None:
    spec = _spec_with(
        tmp_path, '[conda]\nenvironment = ["environment.yml"]\n', environment_yml=BASE
    )
    assert spec.conda is not None
    assert spec.conda.channels == ("conda-forge", "bioconda")
    assert spec.conda.channel_priority == "strict"
    own = _spec_with(
        tmp_path,
        '[conda]\nenvironment = ["environment.yml"]\nchannels = ["http://127.0.0.1:1/local"]\n',
    )
    assert own.conda is not None and own.conda.channels == ("http://127.0.0.1:1/local",)
    (tmp_path / "pip").mkdir()
    assert load_spec(_write(tmp_path / "pip", reproenv_toml=""), env={}).conda is None


@pytest.mark.parametrize(
    ("table", "key", "reference"),
    [
        ("[conda]\n", "conda", "spec-invalid"),
        ('[conda]\nenvironment = ["missing.yml"]\n', "conda.environment[0]", "missing-input-file"),
        ('[conda]\nlockfile = "conda-lock.yml"\n', "conda.lockfile", "missing-input-file"),
        ('[conda]\nlockfile = "poetry.lock"\n', "conda.lockfile", "spec-invalid"),
        (
            '[conda]\nlockfile = "pixi.lock"\nenvironment = ["environment.yml"]\n',
            "conda.lockfile",
            "spec-invalid",
        ),
        (
            '[conda]\nlockfile = "conda-lock.yml"\nlockfile-environment = "cuda"\n',
            "conda.lockfile-environment",
            "spec-invalid",
        ),
        ('[conda]\nchannel-priority = "flexible"\nlockfile = "pixi.lock"\n', None, "spec-invalid"),
    ],
)
def test_a_conda_table_that_cannot_work_names_its_key(
    tmp_path: Path, table: str, key: str | None, reference: str
) -> None:
    (tmp_path / "environment.yml").write_text(BASE)
    with pytest.raises(ReproenvError) as raised:
        _spec_with(tmp_path, table)
    assert raised.value.reference == reference
    if key is not None:
        assert raised.value.context.get("key") == key, raised.value.context
    else:
        assert "channel-priority" in raised.value.message


def test_an_environment_without_channels_is_refused_with_the_way_out(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as raised:
        _spec_with(
            tmp_path,
            '[conda]\nenvironment = ["environment.yml"]\n',
            environment_yml="dependencies:\n  - numpy\n",
        )
    assert raised.value.reference == "conda-no-channels"
    assert "conda.channels" in raised.value.hint
