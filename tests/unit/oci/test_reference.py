"""Image reference grammar and Docker Hub mirror mapping (pure, no registry)."""

from __future__ import annotations

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.oci.reference import ImageRef, mirror_reference

DIGEST_A = "sha256:" + "a" * 64


# -- reference parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("python", "docker.io", "library/python", "latest", None),
        ("python:3.11-slim-bookworm", "docker.io", "library/python", "3.11-slim-bookworm", None),
        ("library/python:3.11", "docker.io", "library/python", "3.11", None),
        ("docker.io/python:3.12", "docker.io", "library/python", "3.12", None),
        ("index.docker.io/library/python", "docker.io", "library/python", "latest", None),
        ("registry-1.docker.io/pytorch/pytorch:2.3", "docker.io", "pytorch/pytorch", "2.3", None),
        ("myuser/app:1", "docker.io", "myuser/app", "1", None),
        ("ghcr.io/org/sub/img:v1.0", "ghcr.io", "org/sub/img", "v1.0", None),
        ("localhost/img", "localhost", "img", "latest", None),
        ("localhost:5000/team/img:dev", "localhost:5000", "team/img", "dev", None),
        ("127.0.0.1:5055/library/python:3.11", "127.0.0.1:5055", "library/python", "3.11", None),
        ("[::1]:5000/img:x", "[::1]:5000", "img", "x", None),
        ("registry.example.com:8443/a/b", "registry.example.com:8443", "a/b", "latest", None),
        (f"python@{DIGEST_A}", "docker.io", "library/python", None, DIGEST_A),
        (f"python:3.11@{DIGEST_A}", "docker.io", "library/python", "3.11", DIGEST_A),
        (f"host.io:99/x/y:t@{DIGEST_A}", "host.io:99", "x/y", "t", DIGEST_A),
        ("  python:3.11  ", "docker.io", "library/python", "3.11", None),
    ],
)
def test_parse_reference(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = ImageRef.parse(text)
    assert ref == ImageRef(registry, repository, tag, digest)
    assert ImageRef.parse(str(ref)) == ref


def test_canonical_string() -> None:
    assert str(ImageRef.parse("python:3.11-slim-bookworm")) == (
        "docker.io/library/python:3.11-slim-bookworm"
    )
    assert str(ImageRef.parse(f"python:3.11@{DIGEST_A}")) == (
        f"docker.io/library/python:3.11@{DIGEST_A}"
    )
    assert str(ImageRef.parse(f"python@{DIGEST_A}")) == f"docker.io/library/python@{DIGEST_A}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Python",
        "python:",
        "python@sha256:abc",
        f"python@sha512:{'a' * 64}",
        "python:bad tag",
        "python:-dash",
        "-python",
        "a//b",
        "ghcr.io/Org/img",
        "bad_host.io:x/img",
        "ghcr.io/",
        "x" * 300,
    ],
)
def test_parse_rejects_invalid_references(text: str) -> None:
    with pytest.raises(ReproenvError) as info:
        ImageRef.parse(text)
    assert info.value.reference == "bad-image-reference"
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert info.value.hint
    assert info.value.context["image"] == text
    assert repr(text) in str(info.value)


def test_invalid_reference_with_userinfo_hides_the_password() -> None:
    with pytest.raises(ReproenvError) as info:
        ImageRef.parse("me:pa55word@ghcr.io/org/img:1")
    assert info.value.reference == "bad-image-reference"
    assert "pa55word" not in str(info.value)
    assert "pa55word" not in repr(info.value.context)
    with pytest.raises(ReproenvError) as info:
        ImageRef.parse("python:3.11@sha256:abc")
    assert "python:3.11@sha256:abc" in str(info.value)


def test_with_digest_keeps_tag_and_validates() -> None:
    ref = ImageRef.parse("python:3.11").with_digest(DIGEST_A)
    assert ref == ImageRef("docker.io", "library/python", "3.11", DIGEST_A)
    with pytest.raises(ReproenvError) as info:
        ref.with_digest("sha256:nothex")
    assert info.value.reference == "bad-image-reference"


# -- mirrors --------------------------------------------------------------------------------


def test_mirror_reference_host_and_prefix() -> None:
    ref = ImageRef.parse("python:3.11")
    assert mirror_reference(ref, "127.0.0.1:5055") == ImageRef(
        "127.0.0.1:5055", "library/python", "3.11", None
    )
    assert mirror_reference(ref, "harbor.example.com/dockerhub-proxy/v") == ImageRef(
        "harbor.example.com", "dockerhub-proxy/v/library/python", "3.11", None
    )
    assert mirror_reference(ref, "https://mirror.gcr.io/") == ImageRef(
        "mirror.gcr.io", "library/python", "3.11", None
    )
    pinned = ref.with_digest(DIGEST_A)
    assert mirror_reference(pinned, "m.example:1").digest == DIGEST_A


def test_mirror_reference_leaves_other_registries_and_no_mirror_alone() -> None:
    ghcr = ImageRef.parse("ghcr.io/org/img:1")
    assert mirror_reference(ghcr, "mirror.example") is ghcr
    hub = ImageRef.parse("python")
    assert mirror_reference(hub, None) is hub
    assert mirror_reference(hub, "") is hub


@pytest.mark.parametrize("mirror", ["bad host", "user:secret@mirror.example", "m.example/Upper"])
def test_bad_mirror(mirror: str) -> None:
    with pytest.raises(ReproenvError) as info:
        mirror_reference(ImageRef.parse("python"), mirror)
    assert info.value.reference == "bad-registry-mirror"
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "secret" not in str(info.value)
