from __future__ import annotations

from pathlib import Path

import pytest

from reproenv.errors import ReproenvError, redact
from reproenv.lock.model import LockedFile, LockedPipPackage
from reproenv.lock.pip.export import render_requirements_lock
from reproenv.lock.pip.packages import merge_platforms
from reproenv.lock.pip.pylock import parse_pylock
from reproenv.lock.pip.uv_command import isolated_env
from reproenv.spec.load import load_spec

PYLOCK = """\
lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "Scikit_Learn"
version = "1.5.0"
index = "https://pypi.org/simple"
sdist = { url = "https://files.example/scikit_learn-1.5.0.tar.gz", hashes = { sha256 = "aaa" } }
wheels = [
    { url = "https://files.example/scikit_learn-1.5.0-cp311-cp311-manylinux_2_28_x86_64.whl", \
hashes = { sha256 = "bbb" } },
]

[[packages]]
name = "tiny"
version = "0.1"
index = "https://user:secret@private.example/simple/"
sdist = { url = "https://private.example/files/tiny-0.1.tar.gz", hashes = { sha256 = "ccc" } }
"""


@pytest.fixture
def spec(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "requirements.in").write_text("scikit-learn\n")
    (tmp_path / "reproenv.toml").write_text('[pip]\nrequirements = ["requirements.in"]\n')
    return load_spec(tmp_path, env={})


def test_pylock_files_become_wheels_or_an_sdist(spec) -> None:  # type: ignore[no-untyped-def]
    sklearn, tiny = parse_pylock(PYLOCK, "linux/amd64", spec)
    assert sklearn.name == "scikit-learn"
    assert sklearn.wheels == (
        LockedFile(name="scikit_learn-1.5.0-cp311-cp311-manylinux_2_28_x86_64.whl", sha256="bbb"),
    )
    assert sklearn.sdist is None  # a wheel fits: the sdist is never installed
    assert tiny.sdist == LockedFile(name="tiny-0.1.tar.gz", sha256="ccc")
    assert tiny.hashes == ("sha256:ccc",)


def test_vcs_requirements_are_refused_with_a_reason(spec) -> None:  # type: ignore[no-untyped-def]
    text = (
        PYLOCK + '\n[[packages]]\nname = "lab-utils"\nvcs = { type = "git", url = "https://x/y" }\n'
    )
    with pytest.raises(ReproenvError) as caught:
        parse_pylock(text, "linux/amd64", spec)
    assert caught.value.reference == "unsupported-requirement"
    assert "lab-utils" in caught.value.message


def test_git_entries_keep_their_commit_and_local_projects_are_left_to_the_image(
    spec,  # type: ignore[no-untyped-def]
) -> None:
    text = PYLOCK + (
        '\n[[packages]]\nname = "lab-utils"\nversion = "0.3"\n'
        'vcs = { type = "git", url = "https://tok:en@pkgs.lab.example/u.git", '
        'commit-id = "abc1" }\n'
        '\n[[packages]]\nname = "demo"\ndirectory = { path = ".", editable = true }\n'
    )
    with pytest.raises(ReproenvError):  # a directory nobody asked to install stays refused
        parse_pylock(text, "linux/amd64", spec)
    packages = {p.name: p for p in parse_pylock(text, "linux/amd64", spec, local_ok=True)}
    assert "demo" not in packages
    assert packages["lab-utils"].vcs == "git+https://pkgs.lab.example/u.git@abc1"  # no token
    assert packages["lab-utils"].hashes == ()
    rendered = render_requirements_lock(tuple(packages.values()), "3.11", ("linux/amd64",))
    assert "lab-utils @ git+https://pkgs.lab.example/u.git@abc1\n" in rendered


def package(version: str, platform: str, wheel: str, digest: str) -> LockedPipPackage:
    return LockedPipPackage(
        name="numpy",
        version=version,
        platforms=(platform,),
        wheels=(LockedFile(name=wheel, sha256=digest),),
    )


def test_merge_and_render_for_two_platforms() -> None:
    pure = LockedPipPackage(
        name="six", version="1.0", platforms=("linux/amd64",),
        wheels=(LockedFile(name="six-1.0-py3-none-any.whl", sha256="111"),),
    )  # fmt: skip
    amd = package("2.0", "linux/amd64", "numpy-2.0-x86_64.whl", "aaa")
    arm = package("2.0", "linux/arm64", "numpy-2.0-aarch64.whl", "bbb")
    merged = merge_platforms(
        [(amd, pure), (arm, pure.model_copy(update={"platforms": ("linux/arm64",)}))]
    )
    six = [p for p in merged if p.name == "six"]
    assert len(six) == 1 and six[0].platforms == ("linux/amd64", "linux/arm64")
    assert len([p for p in merged if p.name == "numpy"]) == 2
    text = render_requirements_lock(merged, "3.11", ("linux/amd64", "linux/arm64"))
    # the same version on both platforms: one line, the hashes of both wheels, no marker
    assert "numpy==2.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n" in text
    assert "six==1.0 \\\n    --hash=sha256:111\n" in text


def test_versions_that_differ_by_platform_get_markers() -> None:
    amd = package("2.0", "linux/amd64", "numpy-2.0-x86_64.whl", "aaa")
    arm = package("1.9", "linux/arm64", "numpy-1.9-aarch64.whl", "bbb")
    text = render_requirements_lock((arm, amd), "3.11", ("linux/amd64", "linux/arm64"))
    assert 'numpy==1.9 ; platform_machine == "aarch64" \\\n    --hash=sha256:bbb' in text
    assert 'numpy==2.0 ; platform_machine == "x86_64" \\\n    --hash=sha256:aaa' in text


def test_private_index_is_named_without_credentials() -> None:
    amd = package("2.0", "linux/amd64", "numpy-2.0-x86_64.whl", "aaa")
    text = render_requirements_lock(
        (amd,), "3.11", ("linux/amd64",), "https://private.example/simple/", ("https://b/simple",)
    )
    assert (
        "--index-url https://private.example/simple/\n--extra-index-url https://b/simple\n" in text
    )
    assert redact("https://u:p@host/simple", mask="") == "https://host/simple"


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


def test_git_never_prompts_and_gives_up_on_a_stalled_host() -> None:
    env = isolated_env(None, {"REPROENV_HTTP_TIMEOUT": "7", "GIT_TERMINAL_PROMPT": "1"})
    assert env["GIT_TERMINAL_PROMPT"] == "0"  # a private repository must not wait for a password
    assert (env["GIT_HTTP_LOW_SPEED_LIMIT"], env["GIT_HTTP_LOW_SPEED_TIME"]) == ("1", "7")
