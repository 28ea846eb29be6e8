"""Property tests: lock files round-trip byte for byte; every valid spec renders a Dockerfile
that BuildKit's own parser (through the `dockerfile` package) reads back as intended."""

from __future__ import annotations

import string
from pathlib import Path

import dockerfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from reproenv.lock.model import (
    Lock,
    LockedAptPackage,
    LockedFile,
    LockedImage,
    LockedPipPackage,
    dump_lock,
    parse_lock,
)
from reproenv.plan.model import make_plan
from reproenv.render.dockerfile import render_dockerfile
from reproenv.spec.load import complete_spec
from reproenv.spec.model import RawSpec

HEX = "0123456789abcdef"
digests = st.text(HEX, min_size=64, max_size=64).map(lambda h: f"sha256:{h}")
names = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5})?", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?", fullmatch=True)

packages = st.lists(
    st.builds(
        LockedPipPackage,
        name=names,
        version=versions,
        platforms=st.just(("linux/amd64",)),
        wheels=st.lists(
            st.builds(
                LockedFile,
                name=names.map(lambda n: f"{n}-1-py3-none-any.whl"),
                sha256=digests,
                size=st.none() | st.integers(min_value=0, max_value=3_000_000_000),
            ),
            max_size=3,
        ).map(tuple),
    ),
    max_size=12,
    unique_by=lambda p: p.name,
).map(tuple)

locks = st.builds(
    Lock,
    reproenv_version=st.just("0.1.0"),
    input_hash=digests,
    python=st.sampled_from(["3.10", "3.11", "3.12", "3.13"]),
    platforms=st.just(("linux/amd64",)),
    resolver=st.just("uv 0.13.9"),
    wheel_platforms=st.just(("x86_64-manylinux_2_28",)),
    images=st.builds(
        LockedImage,
        reference=st.just("docker.io/library/python:3.11-slim-bookworm"),
        platform=st.just("linux/amd64"),
        digest=digests,
        index_digest=st.none() | digests,
    ).map(lambda image: (image,)),
    apt_requested=st.lists(names, unique=True, max_size=3).map(tuple),
    apt_packages=st.lists(
        st.builds(
            LockedAptPackage, name=names, version=versions, platforms=st.just(("linux/amd64",))
        ),
        unique_by=lambda p: p.name,
        max_size=5,
    ).map(tuple),
    pip_packages=packages,
    # uv for the image's install, its wheel's URL kept or not (a lock from before it was)
    image_installer=st.builds(
        LockedPipPackage,
        name=st.just("uv"),
        version=st.just("0.13.9"),
        platforms=st.just(("linux/amd64",)),
        wheels=st.builds(
            LockedFile,
            name=st.just("uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
            sha256=digests,
            url=st.none() | st.just("https://files.example.org/uv-0.13.9-py3-none-any.whl"),
        ).map(lambda wheel: (wheel,)),
    ).map(lambda pin: (pin,)),
)


@given(locks)
def test_lock_write_read_write_is_byte_identical(lock: Lock) -> None:
    text = dump_lock(lock)
    again = parse_lock(text, Path("reproenv.lock"))
    assert dump_lock(again) == text
    assert again == parse_lock(dump_lock(again), Path("reproenv.lock"))


printable = st.text(string.printable + "éß漢😀", min_size=1, max_size=20)
raw_specs = st.fixed_dictionaries(
    {},
    optional={
        "name": st.from_regex(r"[a-z0-9]+([._-][a-z0-9]+)*", fullmatch=True) | printable,
        "python": st.sampled_from(["3.10", "3.11", "3.12"]) | printable,
        "command": st.lists(printable, min_size=1, max_size=4),
        "apt": st.fixed_dictionaries({"packages": st.lists(names | printable, max_size=3)}),
        "image": st.fixed_dictionaries(
            {},
            optional={
                "user": st.from_regex(r"[a-z_][a-z0-9_-]{0,10}", fullmatch=True) | printable,
                "workdir": st.from_regex(r"/[A-Za-z0-9._/-]{0,20}", fullmatch=True) | printable,
            },
        ),
    },
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(raw=raw_specs, lock=locks)
def test_every_valid_spec_renders_a_dockerfile_that_parses(
    raw: dict[str, object], lock: Lock, tmp_path: Path
) -> None:
    try:
        spec_model = RawSpec.model_validate(raw)
    except ValidationError:
        return  # invalid specs are refused with a message; other tests cover that
    spec = complete_spec(spec_model, tmp_path, tmp_path / "reproenv.toml", env={})
    plan = make_plan(spec, lock, "f" * 64)
    for buildkit in (True, False):
        parsed = dockerfile.parse_string(render_dockerfile(plan, buildkit=buildkit))
        by_cmd = {command.cmd: command for command in parsed}
        assert by_cmd["CMD"].json
        assert list(by_cmd["CMD"].value) == list(spec.command or ("python",))
        assert by_cmd["WORKDIR"].value == (spec.workdir,)
        assert by_cmd["USER"].value == ("1000:1000",)
        froms = [c for c in parsed if c.cmd == "FROM"]
        # the final stage, and the uv stage when uv installs the pins
        assert len(froms) == 1 + plan.install.uses_uv
