"""`reproenv verify`'s errors as a user meets them: no lock, a lock edited by hand, an engine
that is away; each with its exit code, a message naming the thing and a hint, no traceback."""

from __future__ import annotations

from pathlib import Path

from reproenv.lock.model import dump_lock
from tests.cli.test_errors import assert_clean_failure
from tests.conftest import Cli
from tests.unit.verify.locks import sample_lock

IMAGE = "registry.example/team/demo@sha256:" + "7" * 64


def test_no_lock_is_an_input_error_naming_the_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("verify", IMAGE, "--docker", "no-such-docker", cwd=tmp_path)
    assert_clean_failure(result, 2, "no lock file", "reproenv.lock", "--lock")
    given = cli("verify", IMAGE, "--lock", "elsewhere.lock", cwd=tmp_path)
    assert_clean_failure(given, 2, "elsewhere.lock")


def test_a_lock_edited_by_hand_is_refused(cli: Cli, tmp_path: Path) -> None:
    text = dump_lock(sample_lock()).replace('version = "1.16.0"', 'version = "1.17.0"')
    (tmp_path / "image.lock").write_text(text)
    result = cli("verify", IMAGE, "--lock", "image.lock", cwd=tmp_path)
    assert_clean_failure(result, 2, "edited by hand")


def test_an_engine_that_is_away_is_an_environment_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "image.lock").write_text(dump_lock(sample_lock()))
    env = {"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = cli("verify", IMAGE, "--lock", "image.lock", cwd=tmp_path, env=env)
    assert_clean_failure(result, 3, "Docker engine is not reachable")
    missing = cli(
        "verify", IMAGE, "--lock", "image.lock", "--docker", "no-such-docker", cwd=tmp_path
    )
    assert_clean_failure(missing, 3, "no-such-docker")
