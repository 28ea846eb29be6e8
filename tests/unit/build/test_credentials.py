from __future__ import annotations

from pathlib import Path

from reproenv.build.credentials import index_credentials, render_netrc
from reproenv.lock.model import Lock
from reproenv.spec.load import load_spec


def lock_with(index: str, extra: tuple[str, ...] = ()) -> Lock:
    return Lock(
        reproenv_version="0.1.0", input_hash="x", python="3.11", platforms=("linux/amd64",),
        resolver="uv", wheel_platforms=(), images=(), apt_requested=(), apt_packages=(),
        pip_index_url=index, pip_extra_index_urls=extra, pip_packages=(),
    )  # fmt: skip


def test_credentials_from_expanded_urls_then_netrc(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text(
        "--index-url https://lab:${TOKEN}@pkgs.lab.example/simple\n"
        "--extra-index-url https://mirror.example/simple\nnumpy\n"
    )
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    (tmp_path / ".netrc").write_text("machine mirror.example login bot password hunter2\n")
    spec = load_spec(tmp_path, env={})
    lock = lock_with("https://pkgs.lab.example/simple", ("https://mirror.example/simple",))
    found = index_credentials(spec, lock, env={"TOKEN": "s3cret", "HOME": str(tmp_path)})
    assert found == {"pkgs.lab.example": ("lab", "s3cret"), "mirror.example": ("bot", "hunter2")}
    assert render_netrc(found) == (
        "machine mirror.example login bot password hunter2\n"
        "machine pkgs.lab.example login lab password s3cret\n"
    )


def test_no_credentials_for_hosts_outside_the_lock(tmp_path: Path) -> None:
    (tmp_path / "reproenv.toml").write_text("")
    (tmp_path / ".netrc").write_text("machine elsewhere.example login a password b\n")
    spec = load_spec(tmp_path, env={})
    assert (
        index_credentials(
            spec, lock_with("https://pkgs.example/simple"), env={"HOME": str(tmp_path)}
        )
        == {}
    )


def test_a_user_name_alone_takes_its_password_from_the_keyring(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    keyring = bin_dir / "keyring"
    # a fake of the keyring CLI: `keyring get SERVICE USER` prints the password
    keyring.write_text(
        '#!/bin/sh\n[ "$1 $2 $3" = "get https://pkgs.lab.example/simple lab" ] '
        "&& echo from-keyring && exit 0\nexit 1\n"
    )
    keyring.chmod(0o755)
    (tmp_path / "reproenv.toml").write_text(
        '[pip]\nindex-url = "https://lab@pkgs.lab.example/simple"\n'
    )
    spec = load_spec(tmp_path, env={})
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    found = index_credentials(spec, lock_with("https://pkgs.lab.example/simple"), env=env)
    assert found == {"pkgs.lab.example": ("lab", "from-keyring")}


def test_an_index_url_with_a_query_keeps_its_credentials(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text(
        "--extra-index-url https://lab:${TOKEN}@pkgs.lab.example/simple?tag=a\nnumpy\n"
    )
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    lock = lock_with("https://pypi.example/simple", ("https://pkgs.lab.example/simple?tag=a",))
    found = index_credentials(
        load_spec(tmp_path, env={}), lock, env={"TOKEN": "s3cret", "HOME": str(tmp_path)}
    )
    assert found == {"pkgs.lab.example": ("lab", "s3cret")}
