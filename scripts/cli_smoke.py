"""Smoke test of an installed `reproenv`: the CLI a user gets from `pip install reproenv`.

CI installs the built wheel into a fresh virtual environment without extras (and once more at
the lowest versions the bounds allow) and runs this against that environment's `reproenv`:
`--version`, `--help`, a usage error, then `init`, `lock`, `lock --check` and `generate` of a
small project, against the fake package index and the fake registry of tests/fakes (no engine,
no network). It exits 1 naming the first step that failed, with that step's output.

    python scripts/cli_smoke.py path/to/venv/bin/reproenv
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.package_index import FakeIndex, FakePackage
from tests.fakes.registry import FakeRegistry
from tests.fakes.registry_server import serve

PACKAGES = [
    FakePackage("app", "1.0", requires=["lib>=1"]),
    FakePackage("lib", "1.0"),
    FakePackage("lib", "2.0"),
]


class SmokeFailed(Exception):
    pass


def step(
    reproenv: str, *args: str, cwd: Path, env: dict[str, str], code: int = 0, expect: str = ""
) -> str:
    started = time.monotonic()
    done = subprocess.run(
        [reproenv, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    output = done.stdout + done.stderr
    shown = " ".join(["reproenv", *args])
    if done.returncode != code or expect not in output or "Traceback" in output:
        raise SmokeFailed(
            f"`{shown}` exited {done.returncode} (wanted {code}"
            + (f", output with {expect!r}" if expect else "")
            + f", no traceback):\n{output}"
        )
    print(f"  ok  {shown}  ({time.monotonic() - started:.2f} s)")
    return output


def uv_version(reproenv: str) -> str:
    """The uv version installed beside the reproenv executable under test."""
    python = Path(reproenv).with_name("python")
    done = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('uv'))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def smoke(reproenv: str, workdir: Path) -> None:
    registry = FakeRegistry()
    registry.add_index("library/python", "3.11-slim-bookworm", ("amd64", "arm64"))
    # the lock pins the uv that the reproenv under test runs (its environment's, which may
    # be another than this script's: the lowest-bounds check), so the index serves that one
    uv = FakePackage("uv", uv_version(reproenv))
    with FakeIndex([*PACKAGES, uv]).serve() as index, serve(registry):
        # The host's pip and uv settings stay out, as they would on a user's clean machine.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
        env.update(
            REPROENV_REGISTRY_MIRROR=registry.address,
            SMOKE_INDEX=index.url,
            COLUMNS="200",
        )
        project = workdir / "smoke-project"
        project.mkdir()
        (project / "requirements.in").write_text("--index-url ${SMOKE_INDEX}\napp\n")
        (project / "train.py").write_text("import app\nprint('ok')\n")

        step(reproenv, "--version", cwd=project, env=env, expect="reproenv ")
        step(reproenv, "--help", cwd=project, env=env, expect="Usage: reproenv")
        step(reproenv, "lokc", cwd=project, env=env, code=2, expect="Did you mean 'lock'?")
        step(reproenv, "init", cwd=project, env=env)
        step(reproenv, "lock", cwd=project, env=env)
        pins = (project / "requirements.lock").read_text()
        for pin in ("app==1.0", "lib==2.0", "--hash=sha256:"):
            if pin not in pins:
                raise SmokeFailed(f"requirements.lock lacks {pin!r}:\n{pins}")
        step(reproenv, "lock", "--check", cwd=project, env=env)
        step(reproenv, "generate", cwd=project, env=env)
        dockerfile = (project / "Dockerfile").read_text()
        if "requirements.lock" not in dockerfile or "@sha256:" not in dockerfile:
            raise SmokeFailed(f"the Dockerfile installs no pinned lock:\n{dockerfile}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reproenv", help="the installed reproenv executable to test")
    args = parser.parse_args()
    reproenv = str(Path(args.reproenv).absolute())  # the steps run in the project folder
    started = time.monotonic()
    print(f"cli smoke: {reproenv}")
    with tempfile.TemporaryDirectory(prefix="reproenv-smoke-") as tmp:
        try:
            smoke(reproenv, Path(tmp))
        except SmokeFailed as failure:
            print(f"cli smoke FAILED: {failure}", file=sys.stderr)
            return 1
    print(f"cli smoke passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
