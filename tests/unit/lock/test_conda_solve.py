"""py-rattler solves for the target, not the host: its glibc and its driver's CUDA decide.

The channel here is repodata alone (the solver reads nothing else), on a file:// URL.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.conda.locker import merge_platforms
from reproenv.lock.conda.solve import Target, solve, without_token
from reproenv.lock.conda.target import base_glibc, target_cuda
from reproenv.spec.load import load_spec
from reproenv.spec.model import CondaEntry, CondaSpec


def _record(name: str, version: str, build: str, subdir: str, *depends: str) -> dict[str, object]:
    record: dict[str, object] = {
        "name": name, "version": version, "build": build, "build_number": 0,
        "depends": list(depends), "subdir": subdir, "md5": f"{len(name):032x}",
        "sha256": f"{len(version):064x}", "size": 10, "timestamp": 1_700_000_000_000,
    }  # fmt: skip
    if subdir == "noarch":
        record["noarch"] = "python"
    return record


def repodata_channel(root: Path) -> str:
    """A file:// channel of repodata alone: python, two numpys, cupy (needs __cuda), tqdm."""
    arch = {
        "python-3.11.9-h0_0.conda": ("python", "3.11.9", "h0_0", "__glibc >=2.17"),
        "numpy-1.26.4-py311_0.conda": ("numpy", "1.26.4", "py311_0", "python 3.11.*"),
        # the newer numpy needs a newer C library than bookworm's
        "numpy-2.1.0-py311_0.conda": (
            "numpy", "2.1.0", "py311_0", "python 3.11.*", "__glibc >=2.39"
        ),
        "cupy-13.0-cuda12_0.conda": ("cupy", "13.0", "cuda12_0", "__cuda >=12"),
    }  # fmt: skip
    noarch = {"tqdm-4.67.0-pyh_0.conda": ("tqdm", "4.67.0", "pyh_0", "python >=3.8")}
    for subdir, records in (("linux-64", arch), ("linux-aarch64", arch), ("noarch", noarch)):
        (root / subdir).mkdir(parents=True)
        packages = {file: _record(n, v, b, subdir, *d) for file, (n, v, b, *d) in records.items()}
        (root / subdir / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages": {}, "packages.conda": packages})
        )
    return root.as_uri()


@pytest.fixture
def conda(tmp_path: Path) -> CondaSpec:
    return CondaSpec(files=("environment.yml",), channels=(repodata_channel(tmp_path / "channel"),))


def _entries(*texts: str) -> tuple[CondaEntry, ...]:
    return tuple(
        CondaEntry(text=text, file="environment.yml", line=n) for n, text in enumerate(texts, 4)
    )


def _versions(records: object) -> dict[str, str]:
    return {r.name: r.version for r in records}  # type: ignore[attr-defined]


BOOKWORM = Target("linux/amd64", base_glibc("python:3.11-slim-bookworm"))


def test_the_targets_glibc_decides_not_the_hosts(conda: CondaSpec, tmp_path: Path) -> None:
    specs = _entries("numpy", "tqdm")
    on_bookworm = solve(conda, specs, BOOKWORM, cache_dir=tmp_path / "cache")
    assert _versions(on_bookworm) == {"numpy": "1.26.4", "python": "3.11.9", "tqdm": "4.67.0"}
    on_noble = solve(conda, specs, Target("linux/amd64", "2.39"), cache_dir=tmp_path / "cache")
    assert _versions(on_noble)["numpy"] == "2.1.0"
    numpy = next(r for r in on_bookworm if r.name == "numpy")
    assert numpy.subdir == "linux-64" and numpy.platforms == ("linux/amd64",)
    assert numpy.url.endswith("/linux-64/numpy-1.26.4-py311_0.conda")
    assert (numpy.sha256, numpy.md5) == (f"{6:064x}", f"{5:032x}")
    assert numpy.depends == ("python 3.11.*",)


def test_the_previous_records_are_kept_while_they_fit(conda: CondaSpec, tmp_path: Path) -> None:
    old = solve(conda, _entries("numpy"), BOOKWORM, cache_dir=tmp_path / "cache")
    noble = Target("linux/amd64", "2.39")
    kept = solve(conda, _entries("numpy"), noble, keep=old, cache_dir=tmp_path / "cache")
    assert _versions(kept)["numpy"] == "1.26.4"


def test_cuda_packages_need_the_target_drivers_cuda(conda: CondaSpec, tmp_path: Path) -> None:
    gpu = Target("linux/amd64", "2.36", cuda="12.4")
    assert "cupy" in _versions(solve(conda, _entries("cupy"), gpu, cache_dir=tmp_path / "c"))
    with pytest.raises(ReproenvError) as raised:
        solve(conda, _entries("cupy"), BOOKWORM, cache_dir=tmp_path / "c")
    assert "__cuda" in raised.value.message


def test_an_unsatisfiable_spec_exits_2_with_the_explanation_and_its_line(
    conda: CondaSpec, tmp_path: Path
) -> None:
    with pytest.raises(ReproenvError) as raised:
        solve(conda, _entries("tqdm", "numpy >=2"), BOOKWORM, cache_dir=tmp_path / "cache")
    error = raised.value
    assert error.exit_code == ExitCode.BAD_INPUT and error.reference == "conda-unsatisfiable"
    assert "environment.yml:5: numpy >=2" in error.message
    assert "environment.yml:4" not in error.message  # tqdm is not what failed
    assert "__glibc >=2.39" in error.message  # the solver's own explanation
    assert (error.context["file"], error.context["line"]) == ("environment.yml", "5")


def test_a_malformed_match_spec_names_its_line(conda: CondaSpec, tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as raised:
        solve(conda, _entries("tqdm", "numpy >>=2"), BOOKWORM, cache_dir=tmp_path / "cache")
    assert raised.value.reference == "conda-spec-invalid"
    assert raised.value.message.startswith("environment.yml:5: 'numpy >>=2'")


def test_an_unreachable_channel_exits_3_and_never_shows_its_token(tmp_path: Path) -> None:
    conda = CondaSpec(channels=("http://127.0.0.1:9/t/tk-s3cret/private",))
    with pytest.raises(ReproenvError) as raised:
        solve(conda, _entries("numpy"), BOOKWORM, cache_dir=tmp_path / "cache")
    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert raised.value.reference == "conda-channel-unreachable"
    assert "tk-s3cret" not in str(raised.value.message) + raised.value.hint


def test_lock_urls_carry_no_token_or_password() -> None:
    assert without_token("https://h.example/t/tk-1/chan/noarch/a-1-0.conda") == (
        "https://h.example/chan/noarch/a-1-0.conda"
    )
    assert "pw" not in without_token("https://user:pw@h.example/chan")
    kept = "https://h.example/t/${CONDA_TOKEN}/chan"
    assert without_token(kept) == kept  # a variable is no secret: the build fills it in


def test_a_noarch_record_solved_for_two_platforms_is_one_entry(
    conda: CondaSpec, tmp_path: Path
) -> None:
    arm = Target("linux/arm64", "2.36")
    solved = [solve(conda, _entries("tqdm"), t, cache_dir=tmp_path / "c") for t in (BOOKWORM, arm)]
    merged = merge_platforms(solved)
    tqdm = [r for r in merged if r.name == "tqdm"]
    assert len(tqdm) == 1 and tqdm[0].platforms == ("linux/amd64", "linux/arm64")
    assert sorted(r.subdir for r in merged if r.name == "python") == ["linux-64", "linux-aarch64"]


@pytest.mark.parametrize(
    ("reference", "glibc"),
    [
        ("python:3.11-slim-bookworm", "2.36"),
        ("debian:trixie-slim", "2.41"),
        ("ubuntu:22.04", "2.35"),
        ("nvidia/cuda:12.4.1-cudnn-runtime-ubuntu24.04", "2.39"),
        ("registry.example/team/base:latest", "2.28"),  # unknown: manylinux_2_28's floor
    ],
)
def test_the_bases_glibc_comes_from_its_distribution(reference: str, glibc: str) -> None:
    assert base_glibc(reference) == glibc


def test_cuda_comes_from_the_target_driver_first(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text(
        "channels: [local]\ndependencies:\n  - cudatoolkit=11.8\n"
    )
    table = '[conda]\nenvironment = ["environment.yml"]\n'
    (tmp_path / "reproenv.toml").write_text(table)
    assert target_cuda(load_spec(tmp_path, env={})) == "11.8"  # what the file asks for
    (tmp_path / "reproenv.toml").write_text(f'gpu-driver = "550.54.15"\n{table}')
    assert target_cuda(load_spec(tmp_path, env={})) == "12.4"
    (tmp_path / "reproenv.toml").write_text(f'gpu = "none"\n{table}')
    assert target_cuda(load_spec(tmp_path, env={})) is None


def test_a_channel_name_is_read_through_the_mirror_and_locked_upstream() -> None:
    from reproenv.lock.conda.solve import channel_alias, channel_url, upstream

    assert channel_url("conda-forge", None) == f"{channel_alias()}/conda-forge"
    assert (
        channel_url("conda-forge", "http://m.example/conda/")
        == "http://m.example/conda/conda-forge"
    )
    assert channel_url("https://h.example/ch", "http://m.example") == "https://h.example/ch"
    read = "http://m.example/conda/conda-forge/noarch/tqdm-4.67.0-pyh_0.conda"
    assert upstream(read, "http://m.example/conda") == (
        f"{channel_alias()}/conda-forge/noarch/tqdm-4.67.0-pyh_0.conda"
    )
    assert (
        upstream("https://h.example/ch/x.conda", "http://m.example")
        == "https://h.example/ch/x.conda"
    )


def test_a_site_alias_in_the_data_folder_replaces_condas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No channel host in code: the alias is a data file's, so a site can bring its own."""
    from reproenv.compat.data_files import conda_data
    from reproenv.lock.conda.solve import channel_url
    from reproenv.settings import DATA_DIR_ENV

    bundled = json.loads(resources.files("reproenv.data").joinpath("conda.json").read_text())
    (tmp_path / "conda.json").write_text(
        json.dumps({**bundled, "channel_alias": "https://conda.site.example/"})
    )
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    conda_data.cache_clear()
    try:
        assert channel_url("conda-forge", None) == "https://conda.site.example/conda-forge"
    finally:
        monkeypatch.delenv(DATA_DIR_ENV)
        conda_data.cache_clear()
    assert channel_url("conda-forge", None) != "https://conda.site.example/conda-forge"
