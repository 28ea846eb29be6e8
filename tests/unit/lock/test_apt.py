from __future__ import annotations

from reproenv.lock.apt import parse_simulation
from reproenv.lock.model import LockedAptPackage

SIMULATION = """\
NOTE: This is only a simulation!
Inst libcurl4 (7.88.1-10+deb12u12 Debian:12.11/stable [amd64])
Inst git-man (1:2.39.5-0+deb12u2 Debian:12.11/stable [all])
Inst libc6 [2.36-9+deb12u9] (2.36-9+deb12u10 Debian-Security:12/stable-security [amd64])
Conf libcurl4 (7.88.1-10+deb12u12 Debian:12.11/stable [amd64])
"""


def test_simulation_lists_the_whole_closure_with_versions() -> None:
    assert parse_simulation(SIMULATION, "linux/amd64") == (
        LockedAptPackage(name="git-man", version="1:2.39.5-0+deb12u2", platforms=("linux/amd64",)),
        LockedAptPackage(name="libc6", version="2.36-9+deb12u10", platforms=("linux/amd64",)),
        LockedAptPackage(name="libcurl4", version="7.88.1-10+deb12u12", platforms=("linux/amd64",)),
    )
