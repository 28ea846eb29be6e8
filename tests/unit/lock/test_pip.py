from __future__ import annotations

from reproenv.lock.model import LockedPipPackage
from reproenv.lock.pip import isolated_env, parse_pinned, render_requirements_lock

UV_OUTPUT = """\
Scikit_Learn==1.5.0 \\
    --hash=sha256:bbb \\
    --hash=sha256:aaa
numpy==2.0.0 \\
    --hash=sha256:ccc
    # via scikit-learn
"""


def test_parse_pinned_reads_names_versions_hashes() -> None:
    packages = parse_pinned(UV_OUTPUT)
    assert packages == (
        LockedPipPackage(name="numpy", version="2.0.0", hashes=("sha256:ccc",)),
        LockedPipPackage(name="scikit-learn", version="1.5.0", hashes=("sha256:aaa", "sha256:bbb")),
    )


def test_requirements_lock_round_trips_through_the_parser() -> None:
    packages = parse_pinned(UV_OUTPUT)
    text = render_requirements_lock(packages, "3.11")
    assert "numpy==2.0.0 \\\n    --hash=sha256:ccc\n" in text
    assert parse_pinned(text) == packages


def test_isolated_env_drops_pip_and_uv_settings() -> None:
    env = isolated_env(
        None,
        {
            "PATH": "/bin",
            "PIP_INDEX_URL": "http://evil/simple",
            "PIP_FIND_LINKS": "/wheels",
            "UV_EXTRA_INDEX_URL": "http://evil/simple",
            "UV_NO_CONFIG": "0",
        },
    )
    assert env["PATH"] == "/bin"
    assert not any(k.startswith("PIP_") for k in env)
    assert env["UV_NO_CONFIG"] == "1"
    assert "UV_EXTRA_INDEX_URL" not in env
