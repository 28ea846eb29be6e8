"""The build's export options, as the docker CLI receives them."""

from __future__ import annotations

import os
from pathlib import Path

from reproenv.cli.doctor_checks import rewrite_check
from reproenv.engine import Builder, DockerEngine
from reproenv.engine.capability import Capability


def argv_of(tmp_path: Path, builder: Builder, **options: object) -> str:
    script = tmp_path / "docker"
    script.write_text(f'#!/bin/sh\necho "$*" > {tmp_path}/argv\n')
    script.chmod(0o755)
    DockerEngine(str(script), env=dict(os.environ)).build(
        builder=builder, context=tmp_path, dockerfile=tmp_path / "Dockerfile", tag="demo:x",
        platform="linux/amd64", build_args={}, secrets={}, **options,  # type: ignore[arg-type]
    )  # fmt: skip
    return (tmp_path / "argv").read_text()


def test_an_export_replaces_the_load_and_drops_provenance(tmp_path: Path) -> None:
    output = "type=oci,dest=/tmp/x.tar,rewrite-timestamp=true"
    argv = argv_of(tmp_path, Builder.BUILDX, no_cache=True, output=output)
    assert argv.startswith(f"buildx build --provenance=false --output {output} --no-cache ")
    assert "--load" not in argv
    assert argv_of(tmp_path, Builder.BUILDX).startswith("buildx build --load --progress")
    assert argv_of(tmp_path, Builder.BUILDKIT, no_cache=True).startswith("build --no-cache ")


def test_doctor_says_what_the_builder_can_guarantee() -> None:
    weak = rewrite_check(Capability("20.10.24+dfsg1", False, None))
    assert weak.ok and "cannot rewrite" in weak.detail and "containerd" in weak.fix
    assert "compares environment fingerprints" in weak.detail
    strong = rewrite_check(Capability("26.1.5", True, "0.13.1", "0.13.2", "docker"))
    assert strong.ok and "can rewrite" in strong.detail and not strong.fix
    assert strong.data is not None and strong.data["can_rewrite_timestamps"] is True
