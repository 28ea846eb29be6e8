from __future__ import annotations

from reproenv.lock.diff import diff_locks
from reproenv.lock.model import Lock, LockedImage, LockedPipPackage


def lock(packages: dict[str, str], digest: str = "sha256:" + "a" * 64) -> Lock:
    return Lock(
        reproenv_version="0.1.0",
        input_hash="sha256:x",
        python="3.11",
        platforms=("linux/amd64",),
        resolver="uv",
        wheel_platforms=("x86_64-manylinux_2_28",),
        images=(
            LockedImage(
                reference="docker.io/library/python:3.11", platform="linux/amd64", digest=digest
            ),
        ),
        apt_requested=(),
        apt_packages=(),
        pip_packages=tuple(
            LockedPipPackage(name=n, version=v, platforms=("linux/amd64",))
            for n, v in packages.items()
        ),
    )


def test_each_kind_of_change() -> None:
    old = lock({"a": "1.0", "b": "2.0", "c": "3.0", "d": "1.0"})
    new = lock({"a": "1.0", "b": "2.1", "c": "2.9", "e": "0.1"}, digest="sha256:" + "b" * 64)
    changes = diff_locks(old, new)
    assert [(c.name, c.kind) for c in changes.pip] == [
        ("b", "upgraded"),
        ("c", "downgraded"),
        ("d", "removed"),
        ("e", "added"),
    ]
    assert [c.line() for c in changes.pip] == [
        "↑ b 2.0 -> 2.1",
        "↓ c 3.0 -> 2.9",
        "- d 1.0",
        "+ e 0.1",
    ]
    assert len(changes.images) == 1 and changes.images[0].kind == "changed"
    assert changes.as_dict()["changed"] is True


def test_no_change() -> None:
    assert not diff_locks(lock({"a": "1"}), lock({"a": "1"}))
