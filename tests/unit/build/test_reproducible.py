"""`check_reproducible` at the engine seam: a fake engine whose builds write synthetic images."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from reproenv.build.reproducible import FALLBACK, BuildInputs, check_reproducible
from reproenv.engine import Builder, EngineInfo
from reproenv.engine.capability import Capability
from tests.fakes.image_archive import F, docker_save, oci_layout
from tests.fakes.plans import make_build_plan

PLAN = make_build_plan(source_date_epoch=1709251200)
MODERN = EngineInfo("docker", "26.1.5", "26.1.5", Builder.BUILDX,
                    Capability("26.1.5", True, "0.13.1", "0.13.2", "docker"))  # fmt: skip
OLD = EngineInfo("docker", "20.10.24", "20.10.24", Builder.BUILDKIT, Capability("20.10.24"))


def venv(stamp: bytes) -> list[list[F]]:
    return [
        [F("opt/venv", kind="dir", mode=0o755), F("opt/venv/lib/m.py", b"x = 1\n")],
        [F("built-at", stamp)],
    ]


class BuildingEngine:
    """Each build makes the next of `images`: exported where `output` says, else loaded
    (and `image save` writes the last loaded one)."""

    def __init__(self, images: list[list[list[F]]]) -> None:
        self.images = images
        self.builds: list[dict[str, Any]] = []
        self.loaded: list[list[F]] | None = None

    def build(self, **options: Any) -> None:
        self.builds.append(options)
        image = self.images[len(self.builds) - 1]
        output = options.get("output")
        if output:
            dest = dict(p.split("=", 1) for p in output.split(","))["dest"]
            oci_layout(Path(dest), image, {"created": "1980-01-01T00:00:00Z"})
        else:
            self.loaded = image

    def capture(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        assert args[:3] == ["image", "save", "-o"] and self.loaded is not None
        docker_save(Path(args[3]), self.loaded, {})
        return subprocess.CompletedProcess(args, 0, "", "")

    def image_inspect(self, image: str) -> dict[str, object] | None:
        return {"Id": "sha256:" + "1" * 64}


def inputs(tmp_path: Path) -> BuildInputs:
    return BuildInputs(tmp_path, mirror=None, ca_cert=None)


def test_a_capable_engine_compares_digests(tmp_path: Path) -> None:
    engine = BuildingEngine([venv(b"Mon\n"), venv(b"Mon\n")])
    result = check_reproducible(engine, MODERN, PLAN, inputs(tmp_path))  # type: ignore[arg-type]
    assert result.method == "digest" and result.equal and result.first.startswith("sha256:")
    assert "SOURCE_DATE_EPOCH 1709251200" in result.guarantee
    for options in engine.builds:
        assert options["no_cache"] is True
        assert options["output"].startswith("type=oci,dest=")
        assert options["output"].endswith(",rewrite-timestamp=true")
        assert options["build_args"]["SOURCE_DATE_EPOCH"] == "1709251200"


def test_differing_digests_name_the_files(tmp_path: Path) -> None:
    engine = BuildingEngine([venv(b"Mon\n"), venv(b"Tue\n")])
    result = check_reproducible(engine, MODERN, PLAN, inputs(tmp_path))  # type: ignore[arg-type]
    assert not result.equal
    assert result.differences == ("layer 1: /built-at: content",)
    assert result.as_dict()["reproducible"] is False


def test_a_weaker_engine_compares_fingerprints_and_says_so(tmp_path: Path) -> None:
    # /built-at lies outside what the lock controls: the fingerprints agree
    engine = BuildingEngine([venv(b"Mon\n"), venv(b"Tue\n")])
    result = check_reproducible(engine, OLD, PLAN, inputs(tmp_path))  # type: ignore[arg-type]
    assert result.method == "fingerprint" and result.guarantee == FALLBACK and result.equal
    assert all("output" not in b and b["no_cache"] for b in engine.builds)


def test_a_weaker_engine_lists_what_the_fingerprints_disagree_on(tmp_path: Path) -> None:
    other = venv(b"Mon\n")
    other[0].append(F("opt/venv/lib/stray.py", b""))
    engine = BuildingEngine([venv(b"Mon\n"), other])
    result = check_reproducible(engine, OLD, PLAN, inputs(tmp_path))  # type: ignore[arg-type]
    assert not result.equal
    assert result.differences == ("venv: lib/stray.py: added",)


def test_an_own_dockerfile_goes_to_both_builds(tmp_path: Path) -> None:
    own = tmp_path / "Dockerfile.unrepro"
    engine = BuildingEngine([venv(b"Mon\n"), venv(b"Tue\n")])
    checked = BuildInputs(tmp_path, mirror=None, ca_cert=None, dockerfile=own)
    result = check_reproducible(engine, MODERN, PLAN, checked)  # type: ignore[arg-type]
    assert [b["dockerfile"] for b in engine.builds] == [own, own]
    assert result.differences == ("layer 1: /built-at: content",)
