"""A lock with conda records renders a conda stage and its inputs: the records JSON and the
installer's pins for the build's platform, the install script, and a Dockerfile that copies the
prefix into the image. The golden case tests/golden/conda-env holds the lock built here."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reproenv.compat.data_files import conda_data
from reproenv.errors import ReproenvError
from reproenv.fsutil import GENERATED_MARKER
from reproenv.lock.model import (
    LOCK_FILE,
    Lock,
    LockedCondaPackage,
    LockedFile,
    LockedImage,
    LockedPipPackage,
    dump_lock,
    lock_hash,
)
from reproenv.plan.conda import CONDA_PREFIX
from reproenv.plan.model import check_installable, make_plan
from reproenv.render.conda import install_script
from reproenv.render.dockerfile import render_dockerfile
from reproenv.render.registry import output_paths, render_all
from reproenv.spec.load import load_spec

GOLDEN = Path(__file__).parents[2] / "golden" / "conda-env" / "input"
BOTH = ("linux/amd64", "linux/arm64")
CHANNEL = "https://conda.example.org/conda-forge"
PRIVATE = "https://conda.example.org/t/${LAB_TOKEN}/lab"  # as the lock keeps a gated channel
LAB = "https://conda.example.org/lab"  # its records' channel: without the token
DIGEST = "sha256:" + "12" * 32
HADOLINT = Path(sys.executable).parent / "hadolint"


def _hex(text: str, algorithm: str) -> str:
    return hashlib.new(algorithm, text.encode()).hexdigest()


def _record(
    name: str,
    version: str,
    build: str,
    subdir: str,
    platforms: tuple[str, ...],
    *depends: str,
    channel: str = CHANNEL,
) -> LockedCondaPackage:
    return LockedCondaPackage(
        name=name,
        version=version,
        build=build,
        subdir=subdir,
        channel=channel,
        url=f"{channel}/{subdir}/{name}-{version}-{build}.conda",
        sha256=_hex(name + subdir, "sha256"),
        md5=_hex(name + subdir, "md5"),
        platforms=platforms,
        depends=depends,
        size=1000 + len(name),
    )


RECORDS = (
    _record("python", "3.11.9", "h0_0_cpython", "linux-64", ("linux/amd64",), "libzlib >=1.3"),
    _record("python", "3.11.9", "h1_0_cpython", "linux-aarch64", ("linux/arm64",)),
    _record("libzlib", "1.3.1", "h0_2", "linux-64", ("linux/amd64",)),
    _record("libzlib", "1.3.1", "h1_2", "linux-aarch64", ("linux/arm64",)),
    _record("labtools", "0.3", "pyh0_0", "noarch", BOTH, "python >=3.8", channel=LAB),
)


def _installer(platform: str, machine: str) -> LockedPipPackage:
    wheel = f"py_rattler-0.28.0-cp38-abi3-manylinux_2_17_{machine}.whl"
    return LockedPipPackage(
        name="py-rattler",
        version="0.28.0",
        platforms=(platform,),
        wheels=(LockedFile(name=wheel, sha256=_hex(wheel, "sha256")),),
    )


def conda_lock(platforms: tuple[str, ...] = ("linux/amd64",), *, pip: bool = True) -> Lock:
    """A conda lock with the records and installer pins for `platforms` (and one pip pin)."""
    machines = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}
    wheel = "attrs-24.2.0-py3-none-any.whl"
    return Lock.model_validate(
        {
            "reproenv-version": "0.1.0",
            "input-hash": "sha256:" + "0" * 64,
            "python": "3.11",
            "platforms": platforms,
            "resolver": "uv 0.13.9",
            "wheel-platforms": ["x86_64-manylinux_2_28"],
            "images": [
                LockedImage(
                    reference="docker.io/library/python:3.11-slim-bookworm",
                    platform=p,
                    digest=DIGEST,
                )
                for p in platforms
            ],
            "apt-requested": [],
            "apt-packages": [],
            "pip-packages": [
                LockedPipPackage(
                    name="attrs",
                    version="24.2.0",
                    platforms=platforms,
                    wheels=(LockedFile(name=wheel, sha256=_hex(wheel, "sha256")),),
                )
            ]
            if pip
            else [],
            "conda-channels": [CHANNEL, PRIVATE],
            "conda-solver": "py-rattler 0.28.0",
            "conda-packages": [r for r in RECORDS if set(r.platforms) & set(platforms)],
            "conda-installer": [_installer(p, machines[p]) for p in platforms],
            "image-installer": [_uv(platforms, [machines[p] for p in platforms])] if pip else [],
        }
    )


def _uv(platforms: tuple[str, ...], machines: list[str]) -> LockedPipPackage:
    """The image's installer, as a lock made by this reproenv pins it for its pip packages."""
    wheels = sorted(
        f"uv-0.13.9-py3-none-manylinux_2_17_{m}.manylinux2014_{m}.whl" for m in machines
    )
    return LockedPipPackage(
        name="uv",
        version="0.13.9",
        platforms=platforms,
        wheels=tuple(LockedFile(name=w, sha256=_hex(w, "sha256")) for w in wheels),
    )


def _plan(lock: Lock, platform: str = "linux/amd64"):  # type: ignore[no-untyped-def]
    spec = load_spec(GOLDEN, env={})
    return make_plan(spec, lock, "c" * 64, platform)


def test_the_golden_lock_is_the_one_built_here(update_golden: bool) -> None:
    text = dump_lock(conda_lock())
    if update_golden:
        (GOLDEN / LOCK_FILE).write_text(text, encoding="utf-8")
    assert (GOLDEN / LOCK_FILE).read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("platform", "subdir", "machine"),
    [("linux/amd64", "linux-64", "x86_64"), ("linux/arm64", "linux-aarch64", "aarch64")],
)
def test_records_and_installer_pins_are_the_platforms(
    platform: str, subdir: str, machine: str
) -> None:
    files = render_all(_plan(conda_lock(BOTH), platform))
    lines = files["conda-records.json"].splitlines()
    assert GENERATED_MARKER in lines[0]
    document = json.loads(files["conda-records.json"])
    assert document["subdir"] == subdir and document["prefix"] == CONDA_PREFIX
    records = document["records"]
    assert [(r["name"], r["subdir"]) for r in records] == [
        ("labtools", "noarch"),
        ("libzlib", subdir),
        ("python", subdir),
    ]
    wanted = {r.url: r for r in RECORDS if platform in r.platforms}
    for record in records:
        locked = wanted[record["url"]]
        assert (record["sha256"], record["md5"], record["name"], record["version"]) == (
            locked.sha256,
            locked.md5,
            locked.name,
            locked.version,
        )
        assert record["build"] == locked.build and record["channel"] == locked.channel
        assert tuple(record.get("depends", ())) == locked.depends
    assert document["channel_alias"] == conda_data().channel_alias  # the script's only host
    assert len(lines) == 5 + len(records) + 1  # one record a line
    installer = files["conda-installer.lock"]
    assert installer.startswith(f"# {GENERATED_MARKER}")
    assert "py-rattler==0.28.0 \\\n    --hash=sha256:" in installer
    other = "aarch64" if machine == "x86_64" else "x86_64"
    assert _hex(f"py_rattler-0.28.0-cp38-abi3-manylinux_2_17_{machine}.whl", "sha256") in installer
    assert _hex(f"py_rattler-0.28.0-cp38-abi3-manylinux_2_17_{other}.whl", "sha256") not in (
        installer
    )


def test_conda_files_are_deterministic_and_named_in_the_outputs() -> None:
    plan = _plan(conda_lock())
    first, again = render_all(plan), render_all(_plan(conda_lock()))
    assert first == again
    assert sorted(first) == sorted(output_paths(plan.dockerfile, conda=True, uv=True))
    assert first["conda-install.py"] == install_script()
    # a project rule that would exclude them: the generated ignore file brings them back
    ignoring = dataclasses.replace(plan, project_ignore=("*.json", "*.lock", "*.py"))
    ignore = render_all(ignoring)[".dockerignore"]
    for name in ("conda-records.json", "conda-installer.lock", "conda-install.py"):
        assert f"!{name}" in ignore


def test_dockerfile_copies_the_prefix_and_puts_it_on_path() -> None:
    text = render_dockerfile(_plan(conda_lock(pip=False)), buildkit=True)
    assert text.index("FROM ${BASE_IMAGE} AS conda") < text.index("FROM ${BASE_IMAGE}\n")
    assert f"COPY --from=conda {CONDA_PREFIX} {CONDA_PREFIX}" in text
    assert f"PATH={CONDA_PREFIX}/bin:$PATH" in text and f"CONDA_PREFIX={CONDA_PREFIX}" in text
    assert "VIRTUAL_ENV" not in text.split("AS conda", 1)[1]  # no venv without pip packages
    assert "--mount=type=secret,id=reproenv-conda-tokens" in text
    assert "pip install --require-hashes --no-deps -r /tmp/reproenv/conda-installer.lock" in text
    with_pip = render_dockerfile(_plan(conda_lock()), buildkit=True)
    # uv makes the venv over the environment's Python, which it sees (noarch packages too)
    assert (
        f"venv --no-cache --python-preference only-system --system-site-packages "
        f"--python {CONDA_PREFIX}/bin/python /opt/venv"
    ) in with_pip
    assert f"PATH=/opt/venv/bin:{CONDA_PREFIX}/bin:$PATH" in with_pip


def test_legacy_dockerfile_copies_the_conda_inputs_without_mounts() -> None:
    text = render_dockerfile(_plan(conda_lock()), buildkit=False)
    assert "--mount" not in text
    assert "COPY conda-records.json conda-installer.lock conda-install.py /tmp/reproenv/" in text


@pytest.mark.parametrize("pip", [True, False], ids=["conda+pip", "conda"])
@pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "legacy"])
def test_conda_dockerfiles_pass_hadolint(pip: bool, buildkit: bool, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(render_dockerfile(_plan(conda_lock(pip=pip)), buildkit=buildkit))
    linted = subprocess.run(
        [str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_a_conda_lock_without_its_installer_is_refused() -> None:
    lock = conda_lock().model_copy(update={"conda_installer": ()})
    with pytest.raises(ReproenvError) as raised:
        check_installable(lock, {})
    assert raised.value.reference == "conda-installer-missing"
    check_installable(conda_lock(), {})  # with it, the lock installs


def test_a_gated_channels_records_are_downloaded_through_its_token() -> None:
    plan = _plan(conda_lock())
    assert plan.conda is not None and plan.conda.token_vars == ("LAB_TOKEN",)
    records = json.loads(render_all(plan)["conda-records.json"])["records"]
    found = {r["name"]: r for r in records}
    lab = "labtools-0.3-pyh0_0.conda"
    assert found["labtools"]["url"] == f"{LAB}/noarch/{lab}"  # the lock's, for conda-meta
    assert found["labtools"]["download_url"] == f"{PRIVATE}/noarch/{lab}"
    assert "download_url" not in found["python"]  # its channel takes no token


def test_golden_case_is_rendered_from_this_lock() -> None:
    text = (GOLDEN / LOCK_FILE).read_text(encoding="utf-8")
    plan = make_plan(load_spec(GOLDEN, env={}), conda_lock(), lock_hash(text))
    golden = GOLDEN.parent / "expected" / "Dockerfile"
    assert render_dockerfile(plan, buildkit=True) == golden.read_text(encoding="utf-8")
