"""Property tests: `redact` removes every URL password, whatever surrounds the URL."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from reproenv.errors import redact

schemes = st.from_regex(r"[a-z][a-z0-9+.-]{0,8}", fullmatch=True)
users = st.from_regex(r"[A-Za-z0-9._~%!$&'()*+,;=-]{1,12}", fullmatch=True)
# a marker no surrounding text can contain, so finding it means the password leaked
passwords = st.from_regex(r"[A-Za-z0-9._~%!$&'()*+,;=:-]{0,12}", fullmatch=True).map(
    lambda p: f"PW{p}PW"
)
hosts = st.from_regex(r"[a-z0-9-]{1,10}(\.[a-z0-9-]{1,10}){0,2}", fullmatch=True)
noise = st.text(st.characters(blacklist_characters="P@"), max_size=40)


@given(noise, schemes, users, passwords, hosts, noise)
def test_no_password_survives(
    before: str, scheme: str, user: str, password: str, host: str, after: str
) -> None:
    url = f"{scheme}://{user}:{password}@{host}/simple"
    redacted = redact(f"{before} {url} {after}")
    assert password not in redacted
    assert f"{scheme}://***@{host}/simple" in redacted


@given(st.text(st.characters(blacklist_characters="@"), max_size=200))
def test_text_without_userinfo_is_unchanged(text: str) -> None:
    assert redact(text) == text


# The scrubbers `redact` replaced, as they were: the oracles of what it must still do.
def old_strip_credentials(url: str) -> str:
    """Index URLs went into the lock and the image without their user:password part."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", url)


_OLD_USERINFO = re.compile(
    r"^(\s*(?:[a-zA-Z][\w+.-]*://)?)[^/@\s]+@(?![a-z0-9.+_-]+:[a-fA-F0-9]*\s*$)"
)


def old_mask_userinfo(text: str) -> str:
    """An image reference or mirror typed as `user:pass@host/…`, without a scheme."""
    return _OLD_USERINFO.sub(r"\1***@", text)


userinfos = st.from_regex(r"[A-Za-z0-9._~%!$&'()*+,;=:-]{0,12}", fullmatch=True)
paths = st.from_regex(r"(/[a-z0-9._~@-]{0,8}){0,3}", fullmatch=True)


@given(schemes, st.none() | userinfos, hosts, paths)
def test_without_a_mask_it_strips_as_the_lock_did(
    scheme: str, userinfo: str | None, host: str, path: str
) -> None:
    url = f"{scheme}://{'' if userinfo is None else userinfo + '@'}{host}{path}"
    assert redact(url, mask="") == old_strip_credentials(url)
    assert redact(url, mask="") == f"{scheme}://{host}{path}"


digests = st.from_regex(r"sha256:[a-f0-9]{64}", fullmatch=True)
tags = st.from_regex(r"(:[a-z0-9][a-z0-9._-]{0,8})?", fullmatch=True)


@given(
    st.sampled_from(["", " ", "https://"]),
    users,
    st.none() | passwords,
    hosts,
    tags,
)
def test_schemeless_masks_image_references_as_the_registry_client_did(
    prefix: str, user: str, password: str | None, host: str, tag: str
) -> None:
    userinfo = user if password is None else f"{user}:{password}"
    text = f"{prefix}{userinfo}@{host}/org/img{tag}"
    assert redact(text, schemeless=True) == old_mask_userinfo(text)
    assert redact(text, schemeless=True) == f"{prefix}***@{host}/org/img{tag}"


@given(hosts, tags, digests)
def test_schemeless_leaves_a_name_before_its_digest(host: str, tag: str, digest: str) -> None:
    text = f"{host}/img{tag}@{digest}"
    assert redact(text, schemeless=True) == old_mask_userinfo(text) == text
