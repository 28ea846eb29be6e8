"""A damaged pylock.toml given as input is named, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ExitCode, ReproenvError
from reproenv.lock.pip.pylock import parse_pylock
from reproenv.spec.load import load_spec
from reproenv.spec.model import Spec

HEAD = 'lock-version = "1.0"\ncreated-by = "uv"\n'
DAMAGED = {
    "bad-toml": (HEAD + '[[packages]\nname = "x"\n', "not valid TOML"),
    "no-name": (HEAD + '[[packages]]\nversion = "1"\n', "packages[0] has no name"),
    "no-version": (HEAD + '[[packages]]\nname = "x"\n', "packages[0] has no version"),
    "packages-a-string": (HEAD + 'packages = "x"\n', "packages must be an array of tables"),
    "version-a-number": (
        HEAD + '[[packages]]\nname = "x"\nversion = 1\n',
        "packages[0].version must be a string, not int",
    ),
    "wheels-a-string": (
        HEAD + '[[packages]]\nname = "x"\nversion = "1"\nwheels = "x.whl"\n',
        "packages[0].wheels must be an array of tables, not str",
    ),
    "wheel-not-a-table": (
        HEAD + '[[packages]]\nname = "x"\nversion = "1"\nwheels = ["x.whl"]\n',
        "packages[0].wheels[0] must be a table",
    ),
    "hashes-a-string": (
        HEAD + '[[packages]]\nname = "x"\nversion = "1"\n'
        'sdist = { url = "https://h/x-1.tar.gz", hashes = "abc" }\n',
        "packages[0].sdist.hashes must be a table, not str",
    ),
    "url-a-number": (
        HEAD + '[[packages]]\nname = "x"\nversion = "1"\n'
        'wheels = [{ url = 3, hashes = { sha256 = "ab" } }]\n',
        "packages[0].wheels[0].url must be a string, not int",
    ),
    "bad-marker": (
        HEAD + '[[packages]]\nname = "x"\nversion = "1"\nmarker = "python_version >>"\n',
        "packages[0].marker",
    ),
}


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "pylock.toml").write_text(HEAD)
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["pylock.toml"]\n')
    return load_spec(tmp_path, env={})


@pytest.mark.parametrize(("text", "needle"), DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_pylock_is_named(spec: Spec, text: str, needle: str) -> None:
    source = spec.project_dir / "pylock.toml"
    with pytest.raises(ReproenvError) as caught:
        parse_pylock(text, "linux/amd64", spec, source=source)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert caught.value.reference == "bad-lockfile-input"
    assert caught.value.message.startswith("pylock.toml is damaged: ")
    assert needle in caught.value.message
    assert caught.value.context["file"] == str(source)


def test_a_vcs_entry_needs_no_version_to_be_refused(spec: Spec) -> None:
    text = HEAD + '[[packages]]\nname = "x"\nvcs = { type = "git", url = "https://h/x" }\n'
    with pytest.raises(ReproenvError) as caught:
        parse_pylock(text, "linux/amd64", spec, source=spec.project_dir / "pylock.toml")
    assert caught.value.reference == "unsupported-requirement"


def test_damaged_output_of_uv_itself_is_not_called_the_users_mistake(spec: Spec) -> None:
    with pytest.raises(ReproenvError) as caught:
        parse_pylock(HEAD + "packages = 3\n", "linux/amd64", spec)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
