from __future__ import annotations

import time

import pytest

from reproenv.errors import bad_input, redact

# Shapes that made the old pattern rescan the rest of the text from every letter: a long word,
# a long dashed name (as uv echoes a bad requirement), a scheme followed by a long non-URL
LONG_LINES = {
    "word": "a" * 200_000,
    "dashed": "a-" * 100_000,
    "scheme-then-word": "x://" + "b" * 200_000,
    "colons": "a:" * 100_000,
    "many-schemes": "a://b" * 40_000,
}


@pytest.mark.parametrize("text", LONG_LINES.values(), ids=LONG_LINES.keys())
def test_redact_is_linear_on_a_200k_line(text: str) -> None:
    started = time.monotonic()
    assert redact(text) == text  # nothing there to remove
    # the old pattern took minutes here; linear work is milliseconds (1 s: a loaded CI host)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:secret@pkgs.lab.example/simple", "https://***@pkgs.lab.example/simple"),
        ("git+https://tok@host/x.git", "git+https://***@host/x.git"),
        ("see https://u:p@a.example and http://v@b.example/", "see https://***@a.example and "
         "http://***@b.example/"),
        ("-ihttps://u:p@pkgs.lab.example/simple", "-ihttps://***@pkgs.lab.example/simple"),
        ("https://user:p:a:ss@host", "https://***@host"),
        ("https://pkgs.lab.example/simple", "https://pkgs.lab.example/simple"),
        ("mail me@lab.example", "mail me@lab.example"),
        ("https://host/path@v1", "https://host/path@v1"),  # an @ after the host is no userinfo
        ("https://:token@host/simple", "https://***@host/simple"),  # a password, no user name
    ],
)  # fmt: skip
def test_redact_removes_credentials_and_nothing_else(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_long_line_with_a_credential_is_still_redacted_quickly() -> None:
    text = "a" * 100_000 + " https://user:secret@pkgs.lab.example/simple " + "b-" * 50_000
    started = time.monotonic()
    redacted = redact(text)
    assert time.monotonic() - started < 1.0
    assert "secret" not in redacted and "https://***@pkgs.lab.example/simple" in redacted


def test_errors_are_redacted_once_made() -> None:
    error = bad_input("cannot reach https://u:secret@h/x", "x", "try https://u:secret@h", k="v")
    assert "secret" not in error.message + error.hint


@pytest.mark.parametrize(
    ("text", "mask", "schemeless", "expected"),
    [
        ("https://u:p@host/simple", "", False, "https://host/simple"),
        ("git+https://tok@host/x.git", "", False, "git+https://host/x.git"),
        ("https://:token@host/simple", "", False, "https://host/simple"),
        ("me:pa55word@ghcr.io/org/img:1", "***", True, "***@ghcr.io/org/img:1"),
        ("me:pa55word@ghcr.io/org/img:1", "***", False, "me:pa55word@ghcr.io/org/img:1"),
        ("python:3.11@sha256:abc", "***", True, "python:3.11@sha256:abc"),
        ("https://u:p@mirror.example", "***", True, "https://***@mirror.example"),
    ],
)  # fmt: skip
def test_one_redaction_for_messages_the_lock_and_image_references(
    text: str, mask: str, schemeless: bool, expected: str
) -> None:
    assert redact(text, mask=mask, schemeless=schemeless) == expected
