"""The nvidia/cuda base for packages that do not bundle CUDA, and Python on it (data-driven)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reproenv.compat.data_files import cuda_drivers_data, cuda_images_data
from reproenv.compat.drivers import min_driver
from reproenv.compat.versions import parse_cuda
from reproenv.detect.cuda_base import choose_cuda_base, python_on_base
from reproenv.errors import ExitCode, ReproenvError


@pytest.fixture(autouse=True)
def _fresh_data() -> Iterator[None]:
    cuda_images_data.cache_clear()
    yield
    cuda_images_data.cache_clear()


def test_cuda_12x_wheels_without_a_driver_get_the_newest_12x_image_with_the_python() -> None:
    choice = choose_cuda_base(
        (12, 0), exact_minor=False, python="3.12", flavour="runtime", driver=None
    )
    assert choice.reference == "nvidia/cuda:12.9.1-runtime-ubuntu24.04"
    assert choice.cuda == (12, 9)
    assert python_on_base(choice.reference, "3.12") == ("python3.12", "python3.12-venv")
    assert "ubuntu24.04's Python 3.12 from apt" in choice.reason
    assert "no NVIDIA driver was given" in choice.reason
    assert "CUDA 12.9 needs driver ≥ 575.51.03" in choice.reason


def test_the_newest_image_the_driver_runs_natively_wins() -> None:
    # R535: CUDA 12.2 natively; 12.3+ (545+) only through minor-version compatibility
    choice = choose_cuda_base(
        (12, 0), exact_minor=False, python="3.10", flavour="runtime", driver="535.183.01"
    )
    assert choice.reference == "nvidia/cuda:12.2.2-runtime-ubuntu22.04"
    assert "driver 535.183.01 runs CUDA 12.2.2 natively" in choice.reason


def test_minor_version_compatibility_when_no_image_with_the_python_runs_natively() -> None:
    # Ubuntu 24.04 (Python 3.12) images start at CUDA 12.5, which needs 555 natively: the one
    # closest to the driver's own CUDA 12.2 lacks the fewest features
    choice = choose_cuda_base(
        (12, 0), exact_minor=False, python="3.12", flavour="runtime", driver="535.183.01"
    )
    assert choice.reference == "nvidia/cuda:12.5.1-runtime-ubuntu24.04"
    assert "minor-version compatibility" in choice.reason
    assert "limited feature set" in choice.reason


def test_an_exact_minor_for_nvcc_gets_the_devel_image() -> None:
    choice = choose_cuda_base(
        (13, 0), exact_minor=True, python="3.12", flavour="devel", driver="580.159.04"
    )
    assert choice.reference == "nvidia/cuda:13.0.2-devel-ubuntu24.04"
    assert "natively" in choice.reason


def test_a_python_no_cuda_image_offers_is_a_clear_error() -> None:
    with pytest.raises(ReproenvError) as caught:
        choose_cuda_base((12, 0), exact_minor=False, python="3.11", flavour="runtime", driver=None)
    error = caught.value
    assert error.reference == "cuda-base-python-unavailable"
    assert error.exit_code == ExitCode.BAD_INPUT
    assert "3.12 (ubuntu24.04), 3.10 (ubuntu22.04), 3.8 (ubuntu20.04)" in error.message
    assert "none is Python 3.11" in error.message
    assert 'set python = "3.12"' in error.hint


def test_a_driver_too_old_for_the_cuda_major() -> None:
    with pytest.raises(ReproenvError) as caught:
        choose_cuda_base(
            (12, 0), exact_minor=False, python="3.10", flavour="runtime", driver="470.256.02"
        )
    assert caught.value.reference == "cuda-driver-too-old"
    assert "CUDA 12.0 needs driver ≥ 525.60.13" in caught.value.message


def test_a_cuda_without_images_names_the_known_ones() -> None:
    with pytest.raises(ReproenvError) as caught:
        choose_cuda_base((10, 2), exact_minor=True, python="3.8", flavour="runtime", driver=None)
    assert caught.value.reference == "cuda-base-unknown"
    assert "11.8.0" in caught.value.message


@pytest.mark.parametrize(
    ("reference", "python", "expected"),
    [
        ("python:3.11-slim-bookworm", "3.11", ()),
        ("docker.io/library/ubuntu:24.04", "3.12", ()),
        ("nvidia/cuda:12.6.3-runtime-ubuntu22.04", "3.10", ("python3.10", "python3.10-venv")),
        (
            "nvcr.io/nvidia/cuda:13.0.2-devel-ubuntu24.04@sha256:" + "a" * 64,
            "3.12",
            ("python3.12", "python3.12-venv"),
        ),
    ],
)
def test_python_on_base(reference: str, python: str, expected: tuple[str, ...]) -> None:
    assert python_on_base(reference, python) == expected


@pytest.mark.parametrize(
    ("reference", "python", "code", "text"),
    [
        ("nvidia/cuda:12.6.3-runtime-ubuntu22.04", "3.11", "cuda-base-python-mismatch",
         "offers Python 3.10 from apt, not 3.11"),
        ("nvidia/cuda:12.6.3-runtime-ubi9", "3.11", "cuda-base-python-unavailable",
         "installs Python only on"),
    ],
)  # fmt: skip
def test_python_on_a_cuda_base_it_cannot_have(
    reference: str, python: str, code: str, text: str
) -> None:
    with pytest.raises(ReproenvError) as caught:
        python_on_base(reference, python)
    assert caught.value.reference == code
    assert text in caught.value.message


def test_cuda_images_data_is_consistent() -> None:
    data = cuda_images_data()
    names = {d.name for d in data.distros}
    known_cuda = {parse_cuda(t.cuda) for t in cuda_drivers_data().toolkits}
    versions = [tuple(int(p) for p in image.cuda.split(".")) for image in data.images]
    assert versions == sorted(set(versions)), "images sorted by CUDA, each once"
    for image in data.images:
        assert set(image.distros) <= names, image.cuda
        assert parse_cuda(image.cuda) in known_cuda, image.cuda
        assert min_driver(parse_cuda(image.cuda))
    for distro in data.distros:
        assert distro.python_packages[0] == f"python{distro.python}"
    minors = [parse_cuda(image.cuda) for image in data.images]
    assert len(minors) == len(set(minors)), "one patch per CUDA minor: NVIDIA keeps the newest"


def test_a_data_dir_replaces_the_bundled_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = json.loads(
        (Path(__file__).parents[3] / "src/reproenv/data/cuda_images.json").read_text()
    )
    site["repository"] = "registry.example/gpu/cuda"
    site["distros"].append({"name": "debian12", "python": "3.11",
                            "python_packages": ["python3.11", "python3.11-venv"]})  # fmt: skip
    site["images"][-1]["distros"].append("debian12")
    (tmp_path / "cuda_images.json").write_text(json.dumps(site))
    monkeypatch.setenv("REPROENV_DATA_DIR", str(tmp_path))
    choice = choose_cuda_base(
        (13, 0), exact_minor=False, python="3.11", flavour="runtime", driver=None
    )
    assert choice.reference == "registry.example/gpu/cuda:13.0.2-runtime-debian12"
    assert python_on_base(choice.reference, "3.11") == ("python3.11", "python3.11-venv")


def test_an_invalid_data_dir_file_is_the_users_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cuda_images.json").write_text('{"schema": 1}')
    monkeypatch.setenv("REPROENV_DATA_DIR", str(tmp_path))
    with pytest.raises(ReproenvError) as caught:
        cuda_images_data()
    assert caught.value.reference == "data-file-invalid"
    assert str(tmp_path / "cuda_images.json") in caught.value.message


def test_cudnn_from_the_image_picks_a_cudnn_tag_of_that_major() -> None:
    choice = choose_cuda_base(
        (12, 0), exact_minor=False, python="3.10", flavour="runtime", driver="535.183.01", cudnn=9
    )
    # 12.2.2 runs natively on R535 but ships cuDNN 8 only; 12.3.2 is the first with cuDNN 9
    assert choice.reference == "nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04"
    assert "with cuDNN 9" in choice.reason
    assert "minor-version compatibility" in choice.reason
    newest = choose_cuda_base(
        (12, 0), exact_minor=False, python="3.12", flavour="runtime", driver=None, cudnn=9
    )
    assert newest.reference == "nvidia/cuda:12.9.1-cudnn-runtime-ubuntu24.04"
    with pytest.raises(ReproenvError) as caught:
        choose_cuda_base((11, 8), exact_minor=True, python="3.10", flavour="runtime", driver=None,
                         cudnn=9)  # fmt: skip
    assert caught.value.reference == "cuda-base-unknown"
    assert "CUDA 11.8 with cuDNN 9" in caught.value.message
