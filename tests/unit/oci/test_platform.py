"""One map between reproenv's target platforms and machine names, for hosts and wheels alike."""

from __future__ import annotations

import pytest

from reproenv.oci.platform import MACHINES, host_platform, normalise_platform


@pytest.mark.parametrize(
    ("machine", "platform"),
    [
        ("x86_64", "linux/amd64"),
        ("AMD64", "linux/amd64"),
        ("aarch64", "linux/arm64"),
        ("arm64", "linux/arm64"),  # macOS spells it so
        ("armv7l", None),
        ("ppc64le", None),
        ("", None),
    ],
)
def test_a_machine_name_is_a_target_platform_or_none(machine: str, platform: str | None) -> None:
    assert host_platform(machine) == platform


def test_every_target_maps_back_to_its_own_machine_name() -> None:
    for platform, machine in MACHINES.items():
        assert host_platform(machine) == platform
        assert "/".join(normalise_platform("linux", machine, None)[:2]) == platform
