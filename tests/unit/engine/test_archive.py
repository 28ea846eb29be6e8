"""The image archive reader and the layer differ, on synthetic layer tars."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from reproenv.engine.archive import Layer, merge, merged_data, read_archive, read_layer
from reproenv.engine.layer_diff import config_differences, layer_differences
from tests.fakes.image_archive import F, docker_save, layer_tar, oci_layout

BASE = [
    F("opt", kind="dir", mode=0o755),
    F("opt/venv", kind="dir", mode=0o755),
    F("opt/venv/a.py", b"a = 1\n"),
    F("opt/venv/gone/x.py", b"x\n"),
    F("opt/venv/kept/old.txt", b"old\n"),
    F("etc/motd", b"hello\n"),
]


def layer(entries: list[F], keep: tuple[str, ...] = ()) -> Layer:
    return read_layer(io.BytesIO(layer_tar(entries)), keep=keep)


def test_entries_carry_type_mode_content_and_links() -> None:
    read = layer(
        [
            F("./bin/tool", b"#!/bin/sh\n", mode=0o4755),
            F("bin/alias", kind="link", target="tool"),
            F("bin/same", kind="hardlink", target="bin/tool"),
            F("bin", kind="dir", mode=0o755),
        ]
    )
    tool, alias, same = (read.entries[p] for p in ("bin/tool", "bin/alias", "bin/same"))
    assert tool.mode == stat.S_IFREG | 0o4755
    assert stat.S_ISLNK(alias.mode) and alias.digest == "-> tool"
    assert same.digest == tool.digest and stat.S_ISREG(same.mode)  # a hard link is its file
    assert read.entries["bin"].is_dir


def test_whiteouts_and_opaque_folders_hide_the_layers_below() -> None:
    upper = layer(
        [
            F("opt/venv/.wh.gone"),
            F("opt/venv/kept/.wh..wh..opq"),
            F("opt/venv/kept/new.txt", b"new\n"),
            F("etc/motd", b"changed\n"),
        ]
    )
    assert upper.whiteouts == {"opt/venv/gone"} and upper.opaque == {"opt/venv/kept"}
    tree = merge([layer(BASE), upper])
    assert "opt/venv/gone/x.py" not in tree
    assert "opt/venv/kept/old.txt" not in tree and "opt/venv/kept/new.txt" in tree
    assert "opt/venv/a.py" in tree
    assert tree["etc/motd"].digest == layer([F("m", b"changed\n")]).entries["m"].digest


def test_kept_bytes_follow_the_topmost_layer_and_whiteouts() -> None:
    lower = layer([F("var/lib/dpkg/status", b"one")], keep=("var/lib/dpkg/status",))
    upper = layer([F("var/lib/dpkg/status", b"two")], keep=("var/lib/dpkg/status",))
    removed = layer([F("var/lib/dpkg/.wh.status")])
    assert merged_data([lower, upper], "var/lib/dpkg/status") == b"two"
    assert merged_data([lower, removed], "var/lib/dpkg/status") is None


def test_docker_save_and_oci_layouts_read_alike(tmp_path: Path) -> None:
    layers = [BASE, [F("opt/venv/.wh.a.py")]]
    saved = read_archive(str(docker_save(tmp_path / "saved.tar", layers, {"created": "x"})))
    digest = oci_layout(tmp_path / "oci.tar", layers, {"created": "x"})
    oci = read_archive(str(tmp_path / "oci.tar"))
    assert saved.digest is None and oci.digest == digest
    assert merge(saved.layers) == merge(oci.layers)
    assert "opt/venv/a.py" not in merge(oci.layers)
    assert oci.config == {"created": "x"}


def test_layer_differences_name_the_layer_the_path_and_what() -> None:
    first = [layer(BASE), layer([F("built-at", b"Mon\n", mtime=1)])]
    second = [
        layer(BASE),
        layer([F("built-at", b"Tue\n", mtime=2), F("extra", b""), F("x/.wh.y")]),
        layer([F("more", b"")]),
    ]
    lines = [d.describe() for d in layer_differences(first, second)]
    assert lines == [
        "layer 1: /built-at: content, mtime 1 -> 2",
        "layer 1: /extra: added",
        "layer 1: /x/y: whiteout added",
        "layer 2: /: the whole layer (only in the second)",
        "layer 2: /more: only in the second",
    ]
    assert layer_differences(first, first) == []


def test_mode_only_and_config_differences() -> None:
    a = [layer([F("f", b"same", mode=0o644)])]
    b = [layer([F("f", b"same", mode=0o755)])]
    assert [d.describe() for d in layer_differences(a, b)] == ["layer 0: /f: mode 100644 -> 100755"]
    found = config_differences({"created": "1", "os": "linux"}, {"created": "2", "os": "linux"})
    assert [d.describe() for d in found] == ["config: created: differs"]
