"""Acceptance: locks are byte-stable, independent of ambient pip/uv config, and `--check` is
an offline staleness test that writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, snapshot

pytestmark = pytest.mark.network

SPEC = (
    'name = "demo"\ncommand = ["python", "train.py"]\n[pip]\nrequirements = ["requirements.in"]\n'
)


def fresh_lock(cli: Cli, project: Path, env: dict[str, str] | None = None) -> tuple[str, str]:
    for name in ("reproenv.lock", "requirements.lock"):
        (project / name).unlink(missing_ok=True)
    result = cli("lock", cwd=project, env=env)
    assert result.code == 0, result.output
    return (
        (project / "reproenv.lock").read_text(),
        (project / "requirements.lock").read_text(),
    )


def hostile_env(tmp_path: Path) -> dict[str, str]:
    """Ambient settings that would change a resolution if they leaked into it."""
    links = tmp_path / "find-links"
    links.mkdir()
    # a "newer numpy" that must never be picked up
    (links / "numpy-99.0.0-py3-none-any.whl").write_bytes(b"not a wheel")
    pip_conf = tmp_path / "pip.conf"
    pip_conf.write_text("[global]\nindex-url = http://127.0.0.1:9/simple\nno-binary = :all:\n")
    uv_conf = tmp_path / "uv.toml"
    uv_conf.write_text('index-url = "http://127.0.0.1:9/simple"\n')
    return {
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
        "PIP_EXTRA_INDEX_URL": "http://127.0.0.1:9/extra",
        "PIP_FIND_LINKS": str(links),
        "PIP_CONFIG_FILE": str(pip_conf),
        "PIP_NO_BINARY": ":all:",
        "UV_INDEX_URL": "http://127.0.0.1:9/simple",
        "UV_EXTRA_INDEX_URL": "http://127.0.0.1:9/extra",
        "UV_FIND_LINKS": str(links),
        "UV_CONFIG_FILE": str(uv_conf),
        "UV_PRERELEASE": "allow",
    }


def test_lock_twice_is_byte_identical_even_with_hostile_pip_config(
    cli: Cli, sklearn_project: Path, tmp_path: Path
) -> None:
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    first = fresh_lock(cli, sklearn_project)
    second = fresh_lock(cli, sklearn_project)
    assert first == second
    hostile = fresh_lock(cli, sklearn_project, env=hostile_env(tmp_path))
    assert hostile == first
    lock_text, requirements = first
    assert 'name = "numpy"' in lock_text and 'name = "scikit-learn"' in lock_text
    assert "99.0.0" not in lock_text
    assert "\nnumpy==" in requirements and "--hash=sha256:" in requirements
    assert 'reference = "docker.io/library/python:3.11-slim-bookworm"' in lock_text


def test_check_is_fresh_then_stale_and_never_writes(cli: Cli, sklearn_project: Path) -> None:
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    fresh_lock(cli, sklearn_project)
    before = snapshot(sklearn_project)
    fresh = cli("lock", "--check", cwd=sklearn_project)
    assert fresh.code == 0, fresh.output
    assert "up to date" in fresh.stderr
    requirements = sklearn_project / "requirements.in"
    requirements.write_text(requirements.read_text() + "joblib\n")
    before = snapshot(sklearn_project)
    stale = cli("lock", "--check", cwd=sklearn_project)
    assert stale.code == 1, stale.output
    assert "stale" in stale.stderr
    assert snapshot(sklearn_project) == before


def test_check_without_network(cli: Cli, sklearn_project: Path) -> None:
    """`--check` decides from hashes alone: an unreachable registry does not matter."""
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    fresh_lock(cli, sklearn_project)
    env = {"REPROENV_REGISTRY_MIRROR": "127.0.0.1:9", "UV_OFFLINE": "1"}
    assert cli("lock", "--check", cwd=sklearn_project, env=env).code == 0


def test_relock_after_change_updates_the_lock(cli: Cli, sklearn_project: Path) -> None:
    (sklearn_project / "reproenv.toml").write_text(SPEC)
    lock_text, _ = fresh_lock(cli, sklearn_project)
    (sklearn_project / "requirements.in").write_text("numpy\nscikit-learn\nthreadpoolctl<4\n")
    result = cli("lock", cwd=sklearn_project)
    assert result.code == 0, result.output
    assert (sklearn_project / "reproenv.lock").read_text() != lock_text
    assert cli("lock", "--check", cwd=sklearn_project).code == 0
