"""Image archives read without running anything: `docker save` output (a manifest.json and one
tar a layer) and OCI layouts (`buildx --output type=oci`: index.json and gzip'd blobs).

Each layer becomes its entries (path, mode, content digest, mtime, owner) and its whiteouts;
`merge` applies them in order as overlayfs does, `layer_differences` compares two images layer by
layer. Reading an archive is enough: images for another platform need no emulator, and nothing
in the image runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tarfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"  # the folder's lower content is hidden
_TYPES = {
    tarfile.REGTYPE: stat.S_IFREG,
    tarfile.AREGTYPE: stat.S_IFREG,
    tarfile.CONTTYPE: stat.S_IFREG,
    tarfile.LNKTYPE: stat.S_IFREG,  # a hard link is the file it links to
    tarfile.DIRTYPE: stat.S_IFDIR,
    tarfile.SYMTYPE: stat.S_IFLNK,
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
}
_CHUNK = 1 << 20

# path, readable content -> its digest: how a regular file is hashed (the fingerprint's own
# rule makes `.pyc` headers independent of the source's mtime)
Hasher = Callable[[str, IO[bytes]], str]
# which files' bytes to keep: their paths, or a test on the path (the files of a kind, such
# as every `.dist-info/RECORD`, whose names are not known before the layers are read)
Keep = Iterable[str] | Callable[[str], bool]


def sha256_of(path: str, stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the root, no leading "./" or "/": "opt/venv/bin/python"
    mode: int  # type and permission bits, as st_mode
    digest: str  # regular files: the content's sha256; symlinks: "-> target"; else ""
    mtime: int = 0
    owner: str = "0:0"

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)


@dataclass(frozen=True)
class Layer:
    entries: Mapping[str, Entry]
    whiteouts: frozenset[str] = frozenset()  # paths removed from the layers below
    opaque: frozenset[str] = frozenset()  # folders whose lower content is hidden
    data: Mapping[str, bytes] = field(default_factory=dict)  # the bytes of the files asked for


def normalise(name: str) -> str:
    return PurePosixPath("/", name).as_posix().lstrip("/")


def read_layer(stream: IO[bytes], *, hasher: Hasher = sha256_of, keep: Keep = ()) -> Layer:
    """One layer tar (plain or compressed), read forwards. `keep`: paths whose bytes to keep."""
    wanted = keep if callable(keep) else set(keep).__contains__
    entries: dict[str, Entry] = {}
    whiteouts: set[str] = set()
    opaque: set[str] = set()
    data: dict[str, bytes] = {}
    with tarfile.open(fileobj=stream, mode="r|*") as layer:
        for member in layer:
            path = normalise(member.name)
            parent, _, name = path.rpartition("/")
            if name == OPAQUE:
                opaque.add(parent)
                continue
            if name.startswith(WHITEOUT):
                whiteouts.add(f"{parent}/{name[len(WHITEOUT) :]}".lstrip("/"))
                continue
            if not path:
                continue  # the root folder itself
            content = None
            if member.isfile() and wanted(path):
                # a stream is read once: keep the bytes, then hash them
                stream_of = layer.extractfile(member)
                data[path] = stream_of.read() if stream_of else b""
                content = io.BytesIO(data[path])
            entries[path] = _entry(layer, member, path, entries, hasher, content)
    return Layer(entries, frozenset(whiteouts), frozenset(opaque), data)


def _entry(
    layer: tarfile.TarFile,
    member: tarfile.TarInfo,
    path: str,
    seen: Mapping[str, Entry],
    hasher: Hasher,
    content: IO[bytes] | None = None,
) -> Entry:
    mode = _TYPES.get(member.type, stat.S_IFREG) | (member.mode & 0o7777)
    digest = ""
    if member.issym():
        digest = f"-> {member.linkname}"
    elif member.islnk():
        target = seen.get(normalise(member.linkname))
        digest = target.digest if target else f"=> {normalise(member.linkname)}"
    elif member.isfile():
        content = content or layer.extractfile(member)
        digest = hasher(path, content) if content else ""
    return Entry(path, mode, digest, int(member.mtime), f"{member.uid}:{member.gid}")


def merge(layers: Iterable[Layer]) -> dict[str, Entry]:
    """The image's file tree: each layer over the ones below, whiteouts applied."""
    tree: dict[str, Entry] = {}
    for layer in layers:
        hidden = [f"{p}/" for p in layer.opaque] + [f"{p}/" for p in layer.whiteouts]
        removed = set(layer.whiteouts)
        if hidden or removed:
            tree = {
                path: entry
                for path, entry in tree.items()
                if path not in removed and not any(path.startswith(h) for h in hidden)
            }
        tree.update(layer.entries)
    return tree


def merged_data(layers: Iterable[Layer], path: str) -> bytes | None:
    """The bytes of a kept file as the image has it (the topmost layer that holds it)."""
    found = None
    for layer in layers:
        if path in layer.whiteouts or any(path.startswith(f"{p}/") for p in layer.opaque):
            found = None
        if path in layer.data:
            found = layer.data[path]
    return found


@dataclass(frozen=True)
class Archive:
    """An image archive's layers in order (lowest first), and its digest when it has one."""

    layers: tuple[Layer, ...]
    digest: str | None  # the OCI layout's manifest digest; None for `docker save`
    config: Mapping[str, Any]


def read_archive(path: str, *, hasher: Hasher = sha256_of, keep: Keep = ()) -> Archive:
    kept = keep if callable(keep) else tuple(keep)
    with tarfile.open(path, mode="r:") as outer:
        names = set(outer.getnames())

        def member_json(name: str) -> Any:
            member = outer.extractfile(name)
            return json.load(member) if member else {}

        digest = None
        if "manifest.json" in names:
            manifest = member_json("manifest.json")[0]
            layer_names, config_name = list(manifest["Layers"]), str(manifest["Config"])
            if "index.json" in names:
                digest = _manifest_digest(member_json("index.json"))
        else:
            digest = _manifest_digest(member_json("index.json"))
            manifest = member_json(_blob(digest))
            while "manifests" in manifest:  # an index (several platforms): its first image
                digest = str(manifest["manifests"][0]["digest"])
                manifest = member_json(_blob(digest))
            layer_names = [_blob(layer["digest"]) for layer in manifest["layers"]]
            config_name = _blob(manifest["config"]["digest"])
        layers = []
        for name in layer_names:
            stream = outer.extractfile(name)
            if stream is None:
                raise ValueError(f"the archive has no layer {name}")
            layers.append(read_layer(stream, hasher=hasher, keep=kept))
        return Archive(tuple(layers), digest, member_json(config_name))


def _manifest_digest(index: Mapping[str, Any]) -> str:
    return str(index["manifests"][0]["digest"])


def _blob(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"blobs/{algorithm}/{hex_digest}"
