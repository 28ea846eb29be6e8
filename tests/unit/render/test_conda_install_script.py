"""The installer script the conda stage runs (stdlib and rattler only, so it cannot import
reproenv): the mirror it reads the lock's upstream URLs from."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from reproenv.lock.conda.solve import CHANNEL_ALIAS

SCRIPT = (
    Path(__file__).parents[3] / "src" / "reproenv" / "render" / "templates" / "conda_install.py"
)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("conda_install", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_and_the_locker_agree_on_condas_channel_host() -> None:
    assert _script().CHANNEL_ALIAS == CHANNEL_ALIAS


def test_upstream_urls_are_read_through_the_mirror_and_others_are_not() -> None:
    through = _script().through_mirror
    url = f"{CHANNEL_ALIAS}/conda-forge/noarch/tqdm-4.67.0-pyh_0.conda"
    assert through(url, "http://mirror.example/conda/") == (
        "http://mirror.example/conda/conda-forge/noarch/tqdm-4.67.0-pyh_0.conda"
    )
    assert through(url, "") == url
    own = "https://channels.example/lab/linux-64/x-1-0.conda"
    assert through(own, "http://mirror.example") == own
