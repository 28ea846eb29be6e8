"""Channel tokens reach the conda stage as one BuildKit secret, read from the environment, and
the legacy builder, which has no secrets, refuses a channel that needs one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reproenv.build.credentials import conda_tokens
from reproenv.build.service import build_image
from reproenv.engine import Builder, DockerEngine, EngineInfo
from reproenv.errors import ReproenvError
from reproenv.plan.conda import CondaEnv, CondaRecord, InstallerPin
from tests.fakes.plans import make_build_plan
from tests.unit.build.test_service import recording_docker

URL = "https://conda.example.org/t/${LAB_TOKEN}/lab/noarch/labtools-0.3-pyh0_0.conda"
CONDA = CondaEnv(
    subdir="linux-64",
    records=(
        CondaRecord("labtools", "0.3", "pyh0_0", "noarch", URL.rsplit("/", 2)[0], URL, "a", "b"),
    ),
    installer=(InstallerPin("py-rattler", "0.28.0", ("sha256:" + "c" * 64,)),),
    token_vars=("LAB_TOKEN",),
)
PLAN = make_build_plan(conda=CONDA)


def test_tokens_come_from_the_environment_by_their_variable() -> None:
    assert conda_tokens(CONDA, {"LAB_TOKEN": "tk-1", "OTHER": "x"}) == {"LAB_TOKEN": "tk-1"}
    assert conda_tokens(None, {}) == {}
    with pytest.raises(ReproenvError) as raised:
        conda_tokens(CONDA, {})
    assert raised.value.reference == "conda-token-missing"
    assert "LAB_TOKEN" in raised.value.message


def test_buildkit_gets_the_tokens_as_a_private_secret_file(tmp_path: Path) -> None:
    executable, log = recording_docker(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    seen: dict[str, object] = {}
    real = DockerEngine(executable, env=dict(os.environ))

    class Peek(DockerEngine):
        def build(self, **kwargs: object) -> None:  # type: ignore[override]
            secret = kwargs["secrets"]["reproenv-conda-tokens"]  # type: ignore[index]
            seen["mode"] = Path(secret).stat().st_mode & 0o777
            seen["tokens"] = json.loads(Path(secret).read_text())
            real.build(**kwargs)  # type: ignore[arg-type]

    info = EngineInfo(executable, "20.10.24", "20.10.24", Builder.BUILDKIT)
    engine = Peek(executable, env=dict(os.environ))
    build_image(
        engine, info, PLAN, tmp_path, mirror=None, ca_cert=None, conda_tokens={"LAB_TOKEN": "tk-1"}
    )
    assert seen == {"mode": 0o600, "tokens": {"LAB_TOKEN": "tk-1"}}
    assert "--secret id=reproenv-conda-tokens," in log.read_text()
    assert "tk-1" not in log.read_text()


def test_the_legacy_builder_refuses_a_channel_token(tmp_path: Path) -> None:
    executable, log = recording_docker(tmp_path)
    engine = DockerEngine(executable, env=dict(os.environ))
    info = EngineInfo(executable, "20.10.24", "20.10.24", Builder.LEGACY)
    with pytest.raises(ReproenvError) as raised:
        build_image(engine, info, PLAN, tmp_path, mirror=None, ca_cert=None)
    assert raised.value.reference == "conda-token-needs-buildkit"
    assert not log.exists()  # nothing was built


def test_the_legacy_builder_copies_the_conda_inputs(tmp_path: Path) -> None:
    executable, log = recording_docker(tmp_path)
    engine = DockerEngine(executable, env=dict(os.environ))
    info = EngineInfo(executable, "20.10.24", "20.10.24", Builder.LEGACY)
    plan = make_build_plan(conda=CondaEnv("linux-64", CONDA.records, CONDA.installer))
    build_image(engine, info, plan, tmp_path, mirror=None, ca_cert=None)
    calls = log.read_text()
    assert "COPY conda-records.json conda-installer.lock conda-install.py /tmp/reproenv/" in calls
    assert "--mount" not in calls
