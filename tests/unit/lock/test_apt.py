from __future__ import annotations

from pathlib import Path

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


def test_snapshot_rewrites_both_source_formats(tmp_path: Path) -> None:
    import subprocess

    from reproenv.lock.apt import sources_script

    (tmp_path / "etc/apt/sources.list.d").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list").write_text(
        "deb http://deb.debian.org/debian bookworm main\n"
        "deb http://deb.debian.org/debian-security bookworm-security main\n"
    )
    (tmp_path / "etc/apt/sources.list.d/debian.sources").write_text(
        "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n"
    )
    script = sources_script("20260520T000000Z", root=str(tmp_path))
    subprocess.run(["sh", "-c", script], check=True)
    assert (tmp_path / "etc/apt/sources.list").read_text() == (
        "deb http://snapshot.debian.org/archive/debian/20260520T000000Z bookworm main\n"
        "deb http://snapshot.debian.org/archive/debian-security/20260520T000000Z "
        "bookworm-security main\n"
    )
    assert (
        "URIs: http://snapshot.debian.org/archive/debian/20260520T000000Z\n"
        in (tmp_path / "etc/apt/sources.list.d/debian.sources").read_text()
    )
    assert sources_script(None) == "true"


def test_snapshot_rewrites_ubuntu_on_amd64_and_arm64(tmp_path: Path) -> None:
    """nvidia/cuda images are Ubuntu, for amd64 (archive) and arm64 (ports), in deb822 form."""
    import subprocess

    from reproenv.lock.apt import sources_script

    (tmp_path / "etc/apt/sources.list.d").mkdir(parents=True)
    sources = tmp_path / "etc/apt/sources.list.d/ubuntu.sources"
    sources.write_text(
        "Types: deb\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: noble\n\n"
        "Types: deb\nURIs: http://ports.ubuntu.com/ubuntu-ports/\nSuites: noble\n"
    )
    subprocess.run(["sh", "-c", sources_script("20260520T000000Z", root=str(tmp_path))], check=True)
    text = sources.read_text()
    assert "URIs: http://snapshot.ubuntu.com/ubuntu/20260520T000000Z/\n" in text
    assert "URIs: http://snapshot.ubuntu.com/ubuntu-ports/20260520T000000Z/\n" in text
