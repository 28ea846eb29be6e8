"""The dependency layers: heavy groups first, heaviest first, the small packages last; the same
lock gives the same layers, and a small change moves only the last one."""

from __future__ import annotations

import random

from reproenv.lock.model import LockedFile, LockedPipPackage
from reproenv.plan.layers import CUDA, HEAVY_BYTES, MAX_LAYERS, MEDIUM, REST, group_by_weight

AMD64, ARM64 = "linux/amd64", "linux/arm64"
MB = 1_000_000


def _pin(name: str, size: int | None, *, platforms: tuple[str, ...] = (AMD64,)) -> LockedPipPackage:
    wheels = tuple(
        LockedFile(name=f"{name.replace('-', '_')}-1.0-{tag}.whl", sha256="0" * 64, size=size)
        for tag in (["cp311-cp311-manylinux_2_17_x86_64"] if AMD64 in platforms else [])
        + (["cp311-cp311-manylinux_2_17_aarch64"] if ARM64 in platforms else [])
    )
    return LockedPipPackage(name=name, version="1.0", platforms=platforms, wheels=wheels)


def _layers(*pins: LockedPipPackage, platform: str = AMD64) -> list[tuple[str, tuple[str, ...]]]:
    return [(layer.name, layer.packages) for layer in group_by_weight(pins, "3.11", platform)]


def test_a_heavy_package_is_a_layer_of_its_own_before_the_mid_weight_and_small_ones() -> None:
    pins = [
        _pin("scipy", 38 * MB),
        _pin("packaging", 6 * MB),
        _pin("joblib", MB),
        _pin("tqdm", 80_000),
    ]
    assert _layers(*pins) == [
        ("scipy", ("scipy",)),
        (MEDIUM, ("joblib", "packaging")),
        (REST, ("tqdm",)),
    ]


def test_adding_a_small_package_leaves_the_mid_weight_layer() -> None:
    """scikit-learn's 9 MB wheel takes seconds to install and compile: it stays put when a
    small package comes."""
    before = [_pin("scipy", 38 * MB), _pin("scikit-learn", 9 * MB), _pin("joblib", 300_000)]
    old, new = _layers(*before), _layers(*before, _pin("tqdm", 78_000))
    assert old[:-1] == new[:-1] == [("scipy", ("scipy",)), (MEDIUM, ("scikit-learn",))]
    assert (old[-1], new[-1]) == ((REST, ("joblib",)), (REST, ("joblib", "tqdm")))


def test_adding_a_small_package_changes_only_the_last_layer() -> None:
    before = [_pin("pyarrow", 42 * MB), _pin("scipy", 38 * MB), _pin("six", 11_000)]
    after = [*before, _pin("tqdm", 78_000)]
    old, new = _layers(*before), _layers(*after)
    assert old[:-1] == new[:-1] == [("pyarrow", ("pyarrow",)), ("scipy", ("scipy",))]
    assert (old[-1], new[-1]) == ((REST, ("six",)), (REST, ("six", "tqdm")))


def test_torch_takes_its_cuda_wheels_and_triton_into_one_layer() -> None:
    pins = [
        _pin("torch", 850 * MB),
        _pin("nvidia-cudnn-cu12", 700 * MB),
        _pin("nvidia-cublas-cu12", 400 * MB),
        _pin("triton", 150 * MB),
        _pin("torchmetrics", 900_000),
        _pin("pyarrow", 42 * MB),
        _pin("filelock", 16_000),
    ]
    layers = group_by_weight(pins, "3.11", AMD64)
    assert [(layer.name, layer.packages) for layer in layers] == [
        ("torch", ("nvidia-cublas-cu12", "nvidia-cudnn-cu12", "torch", "triton")),
        ("pyarrow", ("pyarrow",)),
        (REST, ("filelock", "torchmetrics")),
    ]
    assert layers[0].size == 2100 * MB
    assert "torch and the 3 packages it loads at run time" in layers[0].reason


def test_cuda_wheels_without_a_framework_are_one_group() -> None:
    pins = [
        _pin("nvidia-cuda-runtime-cu12", 900_000),
        _pin("cupy-cuda12x", 110 * MB),
        _pin("six", 1),
    ]
    assert _layers(*pins) == [
        ("cupy-cuda12x", ("cupy-cuda12x",)),
        (CUDA, ("nvidia-cuda-runtime-cu12",)),
        (REST, ("six",)),
    ]


def test_the_same_lock_in_any_order_gives_the_same_layers() -> None:
    pins = [_pin(f"heavy{i}", (30 + i) * MB) for i in range(5)]
    pins += [_pin(f"small{i}", i * 1000) for i in range(20)]
    expected = _layers(*pins)
    for seed in range(5):
        shuffled = pins[:]
        random.Random(seed).shuffle(shuffled)
        assert _layers(*shuffled) == expected
    assert [name for name, _ in expected[:-1]] == [f"heavy{i}" for i in reversed(range(5))]


def test_past_the_cap_the_lightest_heavy_groups_join_the_mid_weight_layer() -> None:
    pins = [_pin(f"heavy{i:02}", HEAVY_BYTES + i * MB) for i in range(MAX_LAYERS + 2)]
    pins.append(_pin("six", 11_000))
    layers = group_by_weight(pins, "3.11", AMD64)
    assert len(layers) == MAX_LAYERS
    assert [layer.name for layer in layers[-2:]] == [MEDIUM, REST]
    assert layers[-2].packages == ("heavy00", "heavy01", "heavy02", "heavy03")
    assert "4 lightest heavy groups" in layers[-2].reason
    assert layers[-1].packages == ("six",)


def test_unknown_sizes_count_as_small_but_a_framework_is_known_by_name() -> None:
    pins = [_pin("torch", None), _pin("scipy", None), _pin("six", None)]
    layers = group_by_weight(pins, "3.11", AMD64)
    assert [(layer.name, layer.packages, layer.unknown_sizes) for layer in layers] == [
        ("torch", ("torch",), 1),
        (REST, ("scipy", "six"), 2),
    ]


def test_only_the_platforms_packages_and_files_count() -> None:
    pins = [
        _pin("scipy", 38 * MB, platforms=(AMD64, ARM64)),
        _pin("amd-only", 30 * MB, platforms=(AMD64,)),
        _pin("six", 1, platforms=(AMD64, ARM64)),
    ]
    assert _layers(*pins, platform=ARM64) == [("scipy", ("scipy",)), (REST, ("six",))]
    assert group_by_weight([], "3.11", AMD64) == ()
