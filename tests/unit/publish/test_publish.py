"""`publish_image` against a fake engine, git and registry: the tags chosen, the dirty tree, the
record, the verification of the digest, and refusals said as exit 3 without the secret."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reproenv.errors import ExitCode, ReproenvError, environment
from reproenv.publish.service import Resolver, checked_repository, publish_image
from reproenv.spec.model import repository_problem
from tests.fakes.plans import make_build_plan

REPO = "127.0.0.1:5000/team/demo"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
IMAGE_ID = "sha256:" + "1d" * 32
DIGEST = "sha256:" + "d1" * 32
PASSWORD = "s3cret-pa55word"
WHEN = datetime(2026, 12, 1, 12, 30, 5, 123456, tzinfo=UTC)
PLAN = make_build_plan()  # demo:aaaaaaaaaaaa


@dataclass
class FakeEngine:
    images: dict[str, str] = field(default_factory=lambda: {PLAN.image_tag: IMAGE_ID})
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    fail: dict[str, ReproenvError] = field(default_factory=dict)
    pulled_id: str = IMAGE_ID
    auth_dirs: list[Path | None] = field(default_factory=list)

    def image_inspect(self, image: str) -> dict[str, Any] | None:
        return {"Id": self.images[image]} if image in self.images else None

    def tag(self, image: str, target: str) -> None:
        self.calls.append(("tag", image, target))
        self.images[target] = self.images[image]

    def push(self, reference: str, *, auth_dir: Path | None = None) -> None:
        self._registry("push", reference, auth_dir)

    def pull(self, reference: str, *, auth_dir: Path | None = None) -> None:
        self._registry("pull", reference, auth_dir)
        self.images[reference] = self.pulled_id

    def login(self, registry: str, username: str, password: str, *, auth_dir: Path) -> None:
        self.calls.append(("login", registry, username, password))
        self.auth_dirs.append(auth_dir)
        if "login" in self.fail:
            raise self.fail["login"]

    def _registry(self, action: str, reference: str, auth_dir: Path | None) -> None:
        self.calls.append((action, reference))
        self.auth_dirs.append(auth_dir)
        if auth_dir is not None:
            assert auth_dir.is_dir()  # the login's config lives while it is used
        if action in self.fail:
            raise self.fail[action]


def fake_git(*, dirty: bool = False, repo: bool = True) -> Any:
    def git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
        out, code = b"", 0
        if args[:2] == ["rev-parse", "--verify"]:
            out, code = (COMMIT.encode(), 0) if repo else (b"", 128)
        elif args[:2] == ["rev-parse", "--is-inside-work-tree"]:
            code = 128
        elif args[0] == "status" and dirty:
            out = b" M train.py\0"
        elif args[:2] == ["rev-parse", "--show-toplevel"]:
            out = str(cwd).encode()
        return subprocess.CompletedProcess(list(args), code, out, b"")

    return git


def resolver(digest: str = DIGEST, per_tag: Mapping[str, str] | None = None) -> Resolver:
    def resolve(reference: str, platform: str, env: Mapping[str, str]) -> str:
        assert platform == PLAN.platform
        return (per_tag or {}).get(reference.rsplit(":", 1)[1], digest)

    return resolve


def publish(
    engine: FakeEngine,
    tmp_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    resolve: Resolver | None = None,
    **options: Any,
) -> Any:
    return publish_image(
        engine,  # type: ignore[arg-type]
        PLAN,
        tmp_path,
        REPO,
        env=env or {},
        resolve=resolve or resolver(),
        git=options.pop("git", fake_git()),
        now=lambda: WHEN,
        **options,
    )


def test_a_clean_tree_is_tagged_with_the_lock_hash_the_commit_and_the_release(
    tmp_path: Path,
) -> None:
    engine = FakeEngine()
    published = publish(engine, tmp_path, release="1.2.0", extra_tags=["stable", "1.2.0"])

    tags = ("aaaaaaaaaaaa", "git-0123456789ab", "1.2.0", "stable")
    assert published.record.tags == tags
    assert published.note is None
    pushes = [call for call in engine.calls if call[0] in ("tag", "push", "pull")]
    assert pushes == [
        *(
            step
            for tag in tags
            for step in (("tag", PLAN.image_tag, f"{REPO}:{tag}"), ("push", f"{REPO}:{tag}"))
        ),
        ("pull", f"{REPO}@{DIGEST}"),
    ]
    assert published.reference == f"{REPO}@{DIGEST}"
    assert engine.auth_dirs == [None] * 5  # the user's own docker config


def test_the_record_names_registry_digest_tags_lock_and_image(tmp_path: Path) -> None:
    published = publish(FakeEngine(), tmp_path, release="1.2.0")

    path = published.record_path
    assert path == tmp_path / ".reproenv/publish/20261201T123005.123456Z.json"
    record = json.loads(path.read_text())
    assert record["registry"] == "127.0.0.1:5000"
    assert record["repository"] == REPO
    assert record["digest"] == DIGEST and record["reference"] == f"{REPO}@{DIGEST}"
    assert record["tags"] == ["aaaaaaaaaaaa", "git-0123456789ab", "1.2.0"]
    assert record["lock-hash"] == "a" * 64
    assert record["image-id"] == IMAGE_ID and record["image-tag"] == PLAN.image_tag
    assert record["commit"] == COMMIT and record["release"] == "1.2.0"
    assert record["time"] == "2026-12-01T12:30:05.123456Z"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_a_dirty_tree_gets_no_commit_tag_and_says_why(tmp_path: Path) -> None:
    published = publish(FakeEngine(), tmp_path, git=fake_git(dirty=True))

    assert published.record.tags == ("aaaaaaaaaaaa",)
    assert published.record.commit is None
    assert "uncommitted changes (train.py)" in published.note
    assert "no git-<commit> tag" in published.note


def test_outside_git_there_is_no_commit_tag(tmp_path: Path) -> None:
    published = publish(FakeEngine(), tmp_path, git=fake_git(repo=False))

    assert published.record.tags == ("aaaaaaaaaaaa",)
    assert "not in a git repository" in published.note


def test_a_multi_platform_lock_keeps_the_platform_suffix_of_its_tag(tmp_path: Path) -> None:
    plan = make_build_plan(multi_platform=True)
    engine = FakeEngine(images={plan.image_tag: IMAGE_ID})
    published = publish_image(
        engine,  # type: ignore[arg-type]
        plan,
        tmp_path,
        REPO,
        env={},
        resolve=resolver(),
        git=fake_git(repo=False),
        now=lambda: WHEN,
    )
    assert published.record.tags == ("aaaaaaaaaaaa-amd64",)


def test_no_image_for_the_lock_says_build_first(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        publish(FakeEngine(images={}), tmp_path)
    assert caught.value.reference == "image-missing"
    assert "reproenv build" in caught.value.hint


def test_tags_that_resolve_to_different_digests_are_not_reported(tmp_path: Path) -> None:
    other = "sha256:" + "0f" * 32
    resolve = resolver(per_tag={"git-0123456789ab": other})
    with pytest.raises(ReproenvError) as caught:
        publish(FakeEngine(), tmp_path, resolve=resolve)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert caught.value.reference == "publish-mismatch"
    assert not (tmp_path / ".reproenv").exists()  # nothing recorded


def test_a_pull_by_digest_that_gives_another_image_is_not_reported(tmp_path: Path) -> None:
    engine = FakeEngine(pulled_id="sha256:" + "99" * 32)
    with pytest.raises(ReproenvError) as caught:
        publish(engine, tmp_path)
    assert caught.value.reference == "publish-mismatch"
    assert f"{REPO}@{DIGEST}" in caught.value.message
    assert not (tmp_path / ".reproenv").exists()


def denied(reference: str) -> ReproenvError:
    return environment(
        f"docker push {reference} was refused by the registry: unauthorized: "
        "authentication required",
        "registry-denied",
    )


def test_a_refused_push_is_exit_3_naming_the_registry_and_docker_login(tmp_path: Path) -> None:
    engine = FakeEngine(fail={"push": denied(REPO)})
    with pytest.raises(ReproenvError) as caught:
        publish(engine, tmp_path)
    error = caught.value
    assert error.exit_code == ExitCode.ENVIRONMENT
    assert error.reference == "registry-denied"
    assert "registry 127.0.0.1:5000 refused" in error.message
    assert "unauthorized" in error.message
    assert "docker login 127.0.0.1:5000" in error.hint


def test_a_registry_client_refusal_is_said_the_same_way(tmp_path: Path) -> None:
    def refusing(reference: str, platform: str, env: Mapping[str, str]) -> str:
        from reproenv.errors import bad_input

        raise bad_input("registry refused access", "registry-auth-failed")

    with pytest.raises(ReproenvError) as caught:
        publish(FakeEngine(), tmp_path, resolve=refusing)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert caught.value.reference == "registry-denied"


def credentials() -> dict[str, str]:
    return {"REPROENV_REGISTRY_USERNAME": "ci", "REPROENV_REGISTRY_PASSWORD": PASSWORD}


def test_reproenv_credentials_log_in_to_a_config_of_their_own_removed_after(
    tmp_path: Path,
) -> None:
    engine = FakeEngine()
    publish(engine, tmp_path, env=credentials())

    assert engine.calls[0] == ("login", "127.0.0.1:5000", "ci", PASSWORD)
    (folder,) = set(engine.auth_dirs)
    assert folder is not None and not folder.exists()
    assert (
        PASSWORD
        not in (tmp_path / ".reproenv")
        .joinpath("publish", "20261201T123005.123456Z.json")
        .read_text()
    )


def test_a_refusal_never_shows_the_secret_even_when_the_engine_quotes_it(
    tmp_path: Path,
) -> None:
    leaky = denied(f"{REPO} (password {PASSWORD})")
    engine = FakeEngine(fail={"push": leaky})
    with pytest.raises(ReproenvError) as caught:
        publish(engine, tmp_path, env=credentials())
    error = caught.value
    shown = " ".join([error.message, error.hint, *error.context.values()])
    assert PASSWORD not in shown and "***" in shown
    assert "REPROENV_REGISTRY_USERNAME/REPROENV_REGISTRY_PASSWORD" in error.message
    assert "unset both" in error.hint
    (folder, *_) = engine.auth_dirs
    assert folder is not None and not folder.exists()


def test_a_refused_login_is_exit_3_and_leaves_no_config(tmp_path: Path) -> None:
    engine = FakeEngine(fail={"login": denied("127.0.0.1:5000")})
    with pytest.raises(ReproenvError) as caught:
        publish(engine, tmp_path, env=credentials())
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert caught.value.reference == "registry-denied"
    assert [call[0] for call in engine.calls] == ["login"]
    (folder,) = engine.auth_dirs
    assert folder is not None and not folder.exists()


def test_half_of_the_credentials_is_a_user_mistake(tmp_path: Path) -> None:
    with pytest.raises(ReproenvError) as caught:
        publish(FakeEngine(), tmp_path, env={"REPROENV_REGISTRY_USERNAME": "ci"})
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "REPROENV_REGISTRY_PASSWORD is not" in caught.value.message


@pytest.mark.parametrize(("option", "value"), [("release", "v 1"), ("extra_tags", ["-x"])])
def test_a_bad_tag_names_its_option(tmp_path: Path, option: str, value: Any) -> None:
    with pytest.raises(ReproenvError) as caught:
        publish(FakeEngine(), tmp_path, **{option: value})
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert ("--release" if option == "release" else "--tag") in caught.value.message


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("team/demo", "no registry host"),
        ("ghcr.io", "no registry host"),
        ("ghcr.io/Org/Name", "not a repository path"),
        ("ghcr.io/org/name:1.0", "a tag does not belong"),
        (f"ghcr.io/org/name@{DIGEST}", "a digest does not belong"),
        ("bad_host.io/org/name", "not a registry host"),
    ],
)
def test_a_repository_must_be_host_and_path(text: str, why: str) -> None:
    assert why in (repository_problem(text) or "")
    with pytest.raises(ReproenvError) as caught:
        checked_repository(text, "--repository")
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "--repository" in caught.value.message


@pytest.mark.parametrize("text", ["ghcr.io/org/name", "127.0.0.1:5000/a/b", "localhost/x"])
def test_good_repositories(text: str) -> None:
    assert repository_problem(text) is None


def test_the_spec_names_the_key_of_a_bad_repository(tmp_path: Path) -> None:
    from reproenv.spec.load import load_spec

    (tmp_path / "reproenv.toml").write_text(
        'python = "3.11"\n\n[publish]\nrepository = "Team/Demo"\n'
    )
    with pytest.raises(ReproenvError) as caught:
        load_spec(tmp_path)
    assert caught.value.message.startswith("reproenv.toml:4: publish.repository:")
    assert "no registry host" in caught.value.message


def test_the_spec_keeps_a_good_repository(tmp_path: Path) -> None:
    from reproenv.spec.load import load_spec

    (tmp_path / "reproenv.toml").write_text(
        'python = "3.11"\n[publish]\nrepository = "ghcr.io/org/name"\n'
    )
    assert load_spec(tmp_path).publish_repository == "ghcr.io/org/name"
