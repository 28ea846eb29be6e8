"""The legacy builder's context filter follows the docker client's .dockerignore matching."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from reproenv.build.context import LEGACY_DOCKERFILE, excluded, parse_rules, write_context


@pytest.mark.parametrize(
    ("rules", "path", "out"),
    [
        (["*.pt"], "yolov5s.pt", True),
        (["*.pt"], "models/yolov5s.pt", False),  # `*` stays in its folder, as in docker
        (["**/*.pt"], "models/deep/yolov5s.pt", True),
        (["**/*.pt"], "yolov5s.pt", True),
        (["build"], "build/lib/x.py", True),  # a folder's rule covers what is inside
        (["build"], "src/build/x.py", False),
        (["/data"], "data/x.csv", True),  # a leading slash means the context root
        (["./data/"], "data/x.csv", True),
        (["data", "!data/keep.txt"], "data/keep.txt", False),
        (["data", "!data/keep.txt"], "data/other.txt", True),
        (["*.lock", "!requirements.lock"], "requirements.lock", False),
        (["*.lock", "!requirements.lock"], "reproenv.lock", True),
        (["!requirements.lock", "*.lock"], "requirements.lock", True),  # the last match wins
        (["# *.py", "  "], "train.py", False),  # comments and blank lines
        (["**"], "anything/at/all", True),
        (["file?.txt"], "file1.txt", True),
        (["file?.txt"], "file/.txt", False),
        (["[a-c].md"], "b.md", True),
        (["[a-c].md"], "d.md", False),
        (["a/**/z"], "a/z", True),
        (["a/**/z"], "a/b/c/z", True),
        (["v1.0"], "v1x0", False),  # a dot is a dot
        ([".env.*"], ".env.local", True),
    ],
)
def test_rules_match_as_the_docker_client_matches(rules: list[str], path: str, out: bool) -> None:
    assert excluded(parse_rules(rules), path) is out


def test_context_has_the_kept_files_and_the_dockerfile_only(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "data").mkdir()
    for name in ("train.py", "w.pt", "models/w.pt", "data/big.bin", "data/keep.txt", ".env"):
        (project / name).write_text(name)
    (project / ".dockerignore").write_text("nothing here applies\n")
    rules = parse_rules(["*.pt", "data", "!data/keep.txt", ".env"])
    dest = tmp_path / "context.tar"
    assert write_context(project, rules, "FROM scratch\n", dest) == 3
    with tarfile.open(dest) as archive:
        names = set(archive.getnames())
        dockerfile = archive.extractfile(LEGACY_DOCKERFILE)
        assert dockerfile is not None and dockerfile.read() == b"FROM scratch\n"
        ignore = archive.extractfile(".dockerignore")
        assert ignore is not None and LEGACY_DOCKERFILE in ignore.read().decode()
        assert {m.uid for m in archive.getmembers()} == {0}
    assert names - {"models", "data"} == {
        "train.py", "models/w.pt", "data/keep.txt", LEGACY_DOCKERFILE, ".dockerignore",
    }  # fmt: skip
