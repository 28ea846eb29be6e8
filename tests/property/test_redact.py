"""Property tests: `redact` removes every URL password, whatever surrounds the URL."""

from __future__ import annotations

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
