"""CUDA decisions over the versioned data files: driver <-> CUDA, and which torch wheel to install.

The driver and GPU values are those of real hosts: 580.159.04 / H100 (9.0) is the captured host
in shared/fixtures/gpu/h100-driver580-cuda13, 535.183.01 and 470.256.02 are the R535 and R470
long-term drivers still common on clusters, 12.0 is an RTX 5090.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from reproenv.compat.data_files import (
    compute_capability_data,
    cuda_drivers_data,
    jax_data,
    tensorflow_data,
    torch_data,
)
from reproenv.compat.drivers import driver_max_cuda, driver_runs, min_driver, requirement
from reproenv.compat.torch_choice import CudaChoice, choose_torch
from reproenv.compat.torch_releases import torch_data_range
from reproenv.compat.versions import parse_cuda
from reproenv.errors import ExitCode, ReproenvError

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "update_compat_data.py"
DATA_FILES = (
    "cuda_drivers.json",
    "torch.json",
    "compute_capability.json",
    "tensorflow.json",
    "jax.json",
    "cuda_images.json",
    "conda.json",
)


def _error(**kwargs: Any) -> ReproenvError:
    with pytest.raises(ReproenvError) as caught:
        choose_torch(**kwargs)
    return caught.value


# --- versions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.4", (12, 4)),
        ("12.4.1", (12, 4)),
        ("cu124", (12, 4)),
        ("124", (12, 4)),
        ("cu118", (11, 8)),
        ("cu130", (13, 0)),
        ("CUDA 13.0", (13, 0)),
        ("cu92", (9, 2)),
    ],
)
def test_parse_cuda(text: str, expected: tuple[int, int]) -> None:
    assert parse_cuda(text) == expected


@pytest.mark.parametrize("text", ["12", "twelve", "cu", "1.2.x", ""])
def test_parse_cuda_refuses_what_is_not_a_cuda_version(text: str) -> None:
    with pytest.raises(ReproenvError) as caught:
        parse_cuda(text)
    assert caught.value.reference == "cuda-version-invalid"
    assert caught.value.exit_code == ExitCode.BAD_INPUT


# --- driver <-> CUDA -----------------------------------------------------------------------


def test_min_driver_is_the_exact_minor_table() -> None:
    assert min_driver((11, 8)) == "520.61.05"
    assert min_driver((12, 0)) == "525.60.13"
    assert min_driver((12, 8)) == "570.26"
    assert min_driver((13, 0)) == "580.65.06"
    with pytest.raises(ReproenvError) as caught:
        min_driver((12, 7))  # there never was a CUDA 12.7
    assert caught.value.reference == "cuda-version-unknown"
    assert "12.6, 12.8" in caught.value.hint


def test_driver_max_cuda() -> None:
    assert driver_max_cuda("470.256.02") == (11, 4)
    assert driver_max_cuda("535.183.01") == (12, 2)
    assert driver_max_cuda("580.159.04") == (13, 0)
    assert driver_max_cuda("418.87") is None
    # compared as numbers, not text: 570.124.06 is newer than 570.26
    assert driver_max_cuda("570.124.06") == (12, 8)


def test_driver_runs_natively() -> None:
    ok, reason = driver_runs("580.159.04", (13, 0))
    assert ok
    assert reason == (
        "driver 580.159.04 runs CUDA 13.0 natively (CUDA 13.0 needs driver ≥ 580.65.06)"
    )


def test_driver_runs_through_minor_version_compatibility() -> None:
    ok, reason = driver_runs("470.256.02", (11, 8))
    assert ok
    assert reason.startswith(
        "driver 470.256.02 supports CUDA 11.4; CUDA 11.x minor-version compatibility lets it run "
        "CUDA 11.8 (needs ≥ 450.80.02; natively ≥ 520.61.05), never cu12x (needs ≥ 525.60.13)"
    )
    assert "PTX" in reason  # the caveat of running a newer minor


def test_driver_never_runs_the_next_major() -> None:
    ok, reason = driver_runs("535.183.01", (13, 0))
    assert not ok
    assert reason == (
        "driver 535.183.01 supports CUDA 12.2, and CUDA 13.0 needs driver ≥ 580.65.06, "
        "so it cannot run CUDA 13.0"
    )
    ok, _ = driver_runs("470.256.02", (12, 1))
    assert not ok


def test_requirement_names_both_floors() -> None:
    assert requirement((12, 8)) == (
        "CUDA 12.8 needs driver ≥ 570.26, "
        "or ≥ 525.60.13 through CUDA 12.x minor-version compatibility"
    )


def test_malformed_driver_is_bad_input() -> None:
    with pytest.raises(ReproenvError) as caught:
        driver_runs("R535", (12, 2))
    assert caught.value.reference == "driver-version-invalid"


# --- choose_torch: the acceptance cases ----------------------------------------------------


def test_torch_2_4_on_driver_470_gets_cu118_never_cu12x() -> None:
    choice = choose_torch("2.4", driver="470.256.02", compute_capability=None)
    assert choice == CudaChoice(
        framework="torch",
        framework_version="2.4",
        variant="cu118",
        cuda=(11, 8),
        index_url="https://download.pytorch.org/whl/cu118",
        reason=choice.reason,
        warnings=(),
    )
    assert choice.reason.startswith(
        "torch 2.4's default PyPI wheel (CUDA 12.1) needs a newer driver (CUDA 12.1 needs driver "
        "≥ 530.30.02, or ≥ 525.60.13 through CUDA 12.x minor-version compatibility); cu118 is the "
        "newest variant driver 470.256.02 runs: driver 470.256.02 supports CUDA 11.4; CUDA 11.x "
        "minor-version compatibility lets it run cu118 (needs ≥ 450.80.02; natively ≥ 520.61.05), "
        "never cu12x (needs ≥ 525.60.13)"
    )


def test_torch_2_11_default_wheel_on_driver_580_is_fine() -> None:
    choice = choose_torch("2.11.0", driver="580.159.04", compute_capability=(9, 0))
    assert (choice.variant, choice.cuda, choice.index_url, choice.warnings) == (
        None,
        (13, 0),
        None,
        (),
    )
    assert choice.framework_version == "2.11.0"
    assert choice.reason == (
        "torch 2.11's default PyPI wheel (CUDA 13.0); driver 580.159.04 runs CUDA 13.0 natively "
        "(CUDA 13.0 needs driver ≥ 580.65.06)"
    )


@pytest.mark.parametrize(
    "how",
    [{"variant_allowed": False}, {"wanted_cuda": "13.0"}, {"wanted_cuda": "cu130"}],
    ids=["locked-wheel-as-is", "wanted-13.0", "wanted-cu130"],
)
def test_torch_2_11_default_wheel_on_driver_535_is_a_clear_error(how: dict[str, Any]) -> None:
    error = _error(torch_version="2.11", driver="535.183.01", compute_capability=(9, 0), **how)
    assert error.reference == "cuda-driver-too-old"
    assert error.exit_code == ExitCode.BAD_INPUT
    assert error.message == (
        "torch 2.11's default PyPI wheel (CUDA 13.0) cannot run on driver 535.183.01: "
        "CUDA 13.0 needs driver ≥ 580.65.06; driver 535.183.01 supports CUDA 12.2."
    )
    assert error.hint == (
        "use the cu126 or cu128 variant of torch 2.11 (index https://download.pytorch.org/whl/cu128"
        "), which driver 535.183.01 runs through CUDA 12.x minor-version compatibility, or upgrade "
        "the driver to ≥ 580.65.06"
    )
    assert error.context == {"torch": "2.11", "driver": "535.183.01", "cuda": "13.0"}


def test_torch_2_11_with_variants_on_driver_535_picks_the_newest_it_runs_cu128() -> None:
    # 535 runs every 12.x through minor-version compatibility (≥ 525.60.13), so cu128 beats cu126
    choice = choose_torch("2.11", driver="535.183.01", compute_capability=(9, 0))
    assert (choice.variant, choice.cuda, choice.index_url, choice.warnings) == (
        "cu128",
        (12, 8),
        "https://download.pytorch.org/whl/cu128",
        (),
    )
    assert choice.reason == (
        "torch 2.11's default PyPI wheel (CUDA 13.0) needs a newer driver (CUDA 13.0 needs driver "
        "≥ 580.65.06); cu128 is the newest variant driver 535.183.01 runs: driver 535.183.01 "
        "supports CUDA 12.2; CUDA 12.x minor-version compatibility lets it run cu128 (needs "
        "≥ 525.60.13; natively ≥ 570.26), never cu13x (needs ≥ 580.65.06); with a limited feature "
        "set: PTX built by a newer CUDA cannot be JIT-compiled by this driver"
    )


@pytest.mark.parametrize("driver", [None, "570.124.06"])
def test_sm_120_with_torch_2_6_warns_that_the_build_has_no_kernels(driver: str | None) -> None:
    choice = choose_torch("2.6", driver=driver, compute_capability=(12, 0))
    # no 2.6 build has sm_120 code, so the default wheel stays, with the warning
    assert (choice.variant, choice.cuda) == (None, (12, 4))
    assert choice.warnings == (
        "torch 2.6's default PyPI wheel (CUDA 12.4) ships no kernels for sm_120 (compute "
        "capability 12.0, Blackwell: GeForce RTX 5090, RTX PRO 6000 Blackwell): it needs "
        "torch ≥ 2.7 with CUDA ≥ 12.8 (cu128)",
    )


def test_sm_120_with_torch_2_7_picks_cu128_for_the_gpu() -> None:
    choice = choose_torch("2.7.1", driver="570.124.06", compute_capability=(12, 0))
    assert (choice.variant, choice.warnings) == ("cu128", ())
    assert choice.reason.startswith(
        "torch 2.7's default PyPI wheel (CUDA 12.6) ships no kernels for sm_120 (compute "
        "capability 12.0, Blackwell: GeForce RTX 5090, RTX PRO 6000 Blackwell); cu128 is the "
        "newest variant that does: driver 570.124.06 runs cu128 natively"
    )


# --- choose_torch: the other rules ---------------------------------------------------------


def test_no_driver_given_keeps_the_default_wheel_and_says_what_the_host_needs() -> None:
    choice = choose_torch("2.8", driver=None, compute_capability=None)
    assert (choice.variant, choice.cuda) == (None, (12, 8))
    assert choice.reason == (
        "torch 2.8's default PyPI wheel (CUDA 12.8); no NVIDIA driver was given, so the host that "
        "runs it must meet this: CUDA 12.8 needs driver ≥ 570.26, or ≥ 525.60.13 through CUDA "
        "12.x minor-version compatibility"
    )


def test_a_gpu_the_default_wheel_dropped_gets_the_variant_that_still_has_it() -> None:
    # torch 2.11's CUDA 13 build has no Pascal (sm_61) code; its cu126 build does
    choice = choose_torch("2.11", driver="580.159.04", compute_capability=(6, 1))
    assert (choice.variant, choice.warnings) == ("cu126", ())
    assert choice.reason.startswith(
        "torch 2.11's default PyPI wheel (CUDA 13.0) ships no kernels for sm_61 (compute "
        "capability 6.1, Pascal: GeForce GTX 1080, Tesla P40, Tesla P4); cu126 is the newest "
        "variant that does: driver 580.159.04 runs cu126 natively"
    )


def test_the_locked_wheel_as_is_warns_instead_of_switching() -> None:
    choice = choose_torch(
        "2.11", driver="580.159.04", compute_capability=(7, 0), variant_allowed=False
    )
    assert choice.variant is None
    assert choice.reason.startswith("the default PyPI wheel as it is: ")
    assert choice.warnings == (
        "torch 2.11's default PyPI wheel (CUDA 13.0) ships no kernels for sm_70 (compute "
        "capability 7.0, Volta: Tesla V100, TITAN V): torch 2.11's cu126 variant has them",
    )


def test_ptx_only_is_a_softer_warning() -> None:
    # the 2.5 cu124 build ships compute_90 PTX, which the driver can JIT-compile for sm_120
    (warning,) = choose_torch("2.5", driver=None, compute_capability=(12, 0)).warnings
    assert warning.startswith(
        "torch 2.5's default PyPI wheel (CUDA 12.4) ships no machine code for sm_120"
    )
    assert "JIT-compiling its compute_90 PTX" in warning
    assert warning.endswith("for machine code, it needs torch ≥ 2.7 with CUDA ≥ 12.8 (cu128)")


def test_same_major_newer_minor_gpu_runs_older_minor_code() -> None:
    # sm_86 code runs on an RTX 4090 (8.9); sm_120 code on a GB10 (12.1)
    assert choose_torch("2.4", driver=None, compute_capability=(8, 9)).warnings == ()
    assert choose_torch("2.11", driver=None, compute_capability=(12, 1)).warnings == ()


def test_no_build_runs_on_the_driver() -> None:
    error = _error(torch_version="2.11", driver="470.256.02", compute_capability=None)
    assert error.reference == "cuda-driver-too-old"
    assert error.message == (
        "torch 2.11 bundles CUDA 13.0, which needs driver ≥ 580.65.06; driver 470.256.02 "
        "supports CUDA 11.4, and no other build of torch 2.11 runs on it ("
        "cu126: CUDA 12.6 needs driver ≥ 560.28.03, or ≥ 525.60.13 through CUDA 12.x "
        "minor-version compatibility; "
        "cu128: CUDA 12.8 needs driver ≥ 570.26, or ≥ 525.60.13 through CUDA 12.x minor-version "
        "compatibility)."
    )
    assert error.hint == (
        'set cuda = "11.8" and pin torch<2.8 (torch 2.7\'s cu118 build, which driver 470.256.02 '
        "runs), pin torch<2.1 (torch 2.0's default PyPI wheel, CUDA 11.7, runs on it) or upgrade "
        "the driver to ≥ 560.28.03"
    )


def test_torch_2_15_on_a_driver_older_than_cuda_13_says_what_to_set() -> None:
    """2.15.0's default wheel bundles CUDA 13.2; no 2.15 build runs on R535: the error names
    the driver it needs and the spec lines that get a build R535 runs."""
    error = _error(torch_version="2.15.0", driver="535.183.01", compute_capability=None)
    assert error.reference == "cuda-driver-too-old"
    assert error.message.startswith(
        "torch 2.15.0 bundles CUDA 13.2, which needs driver ≥ 595.45.04, or ≥ 580.65.06 through "
        "CUDA 13.x minor-version compatibility; driver 535.183.01 supports CUDA 12.2"
    )
    assert error.hint.startswith(
        'set cuda = "12.6" and pin torch<2.15 (torch 2.14\'s cu126 build, which driver '
        "535.183.01 runs), pin torch<2.11 (torch 2.10's default PyPI wheel, CUDA 12.8, runs on it)"
    )
    assert "not in reproenv's driver table" not in error.message


def test_wanted_cuda_forces_that_variant() -> None:
    choice = choose_torch(
        "2.6", driver="580.159.04", compute_capability=(9, 0), wanted_cuda="cu118"
    )
    assert (choice.variant, choice.cuda) == ("cu118", (11, 8))
    assert choice.reason.startswith("CUDA 11.8 was asked for: torch 2.6's cu118 variant; ")


def test_a_local_version_tag_is_a_wanted_cuda() -> None:
    choice = choose_torch("2.4.1+cu124", driver="550.54.14", compute_capability=None)
    assert (choice.variant, choice.framework_version) == ("cu124", "2.4.1")
    with pytest.raises(ReproenvError) as caught:
        choose_torch("2.4.1+cu124", driver=None, compute_capability=None, wanted_cuda="12.1")
    assert caught.value.reference == "torch-cuda-conflict"
    with pytest.raises(ReproenvError) as caught:
        choose_torch("2.4.1+cpu", driver=None, compute_capability=None)
    assert caught.value.reference == "torch-local-version-unsupported"


def test_wanted_cuda_that_the_release_does_not_publish() -> None:
    error = _error(torch_version="2.4", driver=None, compute_capability=None, wanted_cuda="12.6")
    assert error.reference == "torch-cuda-variant-unavailable"
    assert error.message == (
        "torch 2.4 publishes no CUDA 12.6 build: its variants are cu118, cu121, cu124"
    )
    assert error.hint == (
        "choose one of those; torch 2.6, 2.7, 2.8, 2.9, 2.10, 2.11, 2.12, 2.13 or 2.14 publish it"
    )


def test_wanted_variant_when_variants_are_not_allowed() -> None:
    error = _error(
        torch_version="2.11",
        driver=None,
        compute_capability=None,
        wanted_cuda="12.8",
        variant_allowed=False,
    )
    assert error.reference == "torch-variant-not-allowed"


@pytest.mark.parametrize(
    ("version", "reference"),
    [
        ("2.16", "torch-version-unknown"),
        ("1.13", "torch-version-unknown"),
        ("two", "torch-version-invalid"),
    ],
)
def test_unknown_torch_versions(version: str, reference: str) -> None:
    error = _error(torch_version=version, driver=None, compute_capability=None)
    assert error.reference == reference


# --- the data files ------------------------------------------------------------------------


def _raw(name: str) -> dict[str, Any]:
    text = resources.files("reproenv.data").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _cc(arch: str) -> str:
    digits = arch.split("_", 1)[1]
    return f"{digits[:-1]}.{digits[-1]}"


def _v(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


@pytest.mark.parametrize("name", DATA_FILES)
def test_each_data_file_ships_and_says_where_and_when_it_was_taken(name: str) -> None:
    data = _raw(name)
    assert data["schema"] == 1
    sources = data["source"]
    assert sources and all(s.startswith("https://") for s in sources)
    # the day of the newest facts in the file (each file's notes date older entries)
    newest = (
        datetime.date(2026, 12, 1)
        if name in ("torch.json", "cuda_drivers.json", "conda.json")
        else None
    )
    assert datetime.date.fromisoformat(data["retrieved"]) == (newest or datetime.date(2026, 11, 27))
    assert data["notes"]


def test_every_cuda_the_frameworks_name_has_a_minimum_driver() -> None:
    families = {f.cuda_major: f.min_driver for f in cuda_drivers_data().minor_version_compatibility}
    for release in torch_data().releases:
        for build in release.variants:
            assert min_driver(parse_cuda(build.cuda)), (release.torch, build.variant)
    for tf in tensorflow_data().releases:
        assert min_driver(parse_cuda(tf.cuda)), tf.tensorflow
    for extra in jax_data().extras:
        # JAX's own floor for an extra is that CUDA major's minor-version-compatibility floor
        assert families[extra.cuda_major] == extra.min_driver, extra.extra


def test_torch_builds_are_consistent() -> None:
    archs = {a.compute_capability: a for a in compute_capability_data().architectures}
    data = torch_data()
    assert "{variant}" in data.index_url
    for release in data.releases:
        names = [b.variant for b in release.variants]
        assert release.default_wheel_same_as in names, release.torch
        for build in release.variants:
            cuda = parse_cuda(build.cuda)
            assert build.variant == f"cu{cuda[0]}{cuda[1]}"
            assert all(a.startswith("sm_") for a in build.archs)
            assert all(p.startswith("compute_") for p in build.ptx)
            for arch in (*build.archs, *build.ptx):
                info = archs.get(_cc(arch))
                assert info is not None, (release.torch, build.variant, arch)
                # a build cannot ship code its toolkit cannot compile
                assert _v(info.min_cuda) <= cuda, (release.torch, build.variant, arch)
                assert info.last_cuda is None or cuda <= _v(info.last_cuda), (
                    release.torch,
                    build.variant,
                    arch,
                )


def test_versions_are_sorted_and_unique() -> None:
    def ascending(keys: list[tuple[int, ...]]) -> bool:
        return keys == sorted(set(keys))

    drivers = cuda_drivers_data()
    assert ascending([_v(t.cuda) for t in drivers.toolkits])
    assert ascending([_v(t.min_driver) for t in drivers.toolkits])  # newer CUDA, newer driver
    assert ascending([(f.cuda_major,) for f in drivers.minor_version_compatibility])
    assert ascending([_v(r.torch) for r in torch_data().releases])
    for release in torch_data().releases:
        assert ascending([_v(b.cuda) for b in release.variants])
        for build in release.variants:
            assert ascending([_v(_cc(a)) for a in build.archs])
            assert ascending([_v(_cc(p)) for p in build.ptx])
    assert ascending([_v(a.compute_capability) for a in compute_capability_data().architectures])
    assert ascending([_v(r.tensorflow) for r in tensorflow_data().releases])
    extras = [(e.cuda_major, e.extra) for e in jax_data().extras]
    assert extras == sorted(set(extras))


def test_tensorflow_and_jax_say_which_builds_bundle_cuda() -> None:
    bundles = {r.tensorflow: r.bundled for r in tensorflow_data().releases}
    assert not bundles["2.13"]
    assert bundles["2.14"]
    assert bundles["2.20"]
    assert {(e.extra, e.cuda_major, e.bundled) for e in jax_data().extras} >= {
        ("cuda12", 12, True),
        ("cuda13", 13, True),
    }


# --- the maintainer script -----------------------------------------------------------------


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_compat_data", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_update_script_help_works_offline() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "download.pytorch.org" in result.stdout


def test_update_script_reads_variants_from_wheel_names() -> None:
    page = """
    <a href="/whl/cu118/torch-2.4.0%2Bcu118-cp311-cp311-linux_x86_64.whl#sha256=00">x</a>
    <a href="/whl/cu121/torch-2.4.1+cu121-cp312-cp312-linux_x86_64.whl">x</a>
    <a href="/whl/cu121/torch-2.4.1+cu121-cp312-cp312-win_amd64.whl">x</a>
    <a href="/whl/cu124/torch-2.4.1+cu124-cp312-cp312-manylinux_2_28_aarch64.whl">x</a>
    <a href="/whl/cpu/torch-2.4.1+cpu-cp312-cp312-linux_x86_64.whl">x</a>
    <a href="/whl/cu130/torch-2.16.0+cu130-cp312-cp312-manylinux_2_28_x86_64.whl">x</a>
    <a href="/whl/cu132/torch-2.16.0+cu132-cp312-cp312-manylinux_2_28_x86_64.whl">x</a>
    """
    script = _script()
    found = script.variants_by_release(page)
    assert found == {"2.4": {"cu118", "cu121"}, "2.16": {"cu130", "cu132"}}

    torch_json = json.loads(resources.files("reproenv.data").joinpath("torch.json").read_text())
    new, todo = script.updated(torch_json, found)
    by_torch = {r["torch"]: [v["variant"] for v in r["variants"]] for r in new["releases"]}
    assert by_torch["2.4"] == ["cu118", "cu121"]  # as the (partial) page has it
    assert by_torch["2.6"] == ["cu118", "cu124", "cu126"]  # not on the page: left alone
    assert todo == [
        "torch 2.16 is not recorded (variants cu130, cu132): add it by hand with its default "
        "wheel's variant and each variant's archs/ptx"
    ]


def test_update_script_renders_torch_json_byte_for_byte() -> None:
    text = resources.files("reproenv.data").joinpath("torch.json").read_text(encoding="utf-8")
    assert _script().render(json.loads(text)) == text


def test_the_data_covers_what_pypi_serves_and_the_cuda_13_drivers() -> None:
    # PyPI's default torch wheels (their nvidia-cuda-runtime pin): 13.0 for 2.12-2.14, 13.2 for 2.15
    defaults = {r.torch: (r.default.variant, r.default.cuda) for r in torch_data().releases}
    assert defaults["2.12"] == defaults["2.13"] == defaults["2.14"] == ("cu130", "13.0")
    assert defaults["2.15"] == ("cu132", "13.2")
    assert torch_data_range() == "2.0 to 2.15"
    # NVIDIA's toolkit drivers (Linux x86_64, GA) for every CUDA 13 minor the wheels use
    assert [min_driver((13, m)) for m in (0, 1, 2)] == ["580.65.06", "590.44.01", "595.45.04"]
    assert driver_runs("595.45.04", (13, 2)) == (
        True,
        "driver 595.45.04 runs CUDA 13.2 natively (CUDA 13.2 needs driver ≥ 595.45.04, or "
        "≥ 580.65.06 through CUDA 13.x minor-version compatibility)",
    )
    assert driver_runs("590.48.01", (13, 2))[0]  # through minor-version compatibility
    choice = choose_torch("2.15.0", driver="580.95.05", compute_capability=(9, 0))
    assert (choice.variant, choice.cuda) == (None, (13, 2))  # the default wheel, via 13.x MVC
