"""The installer script the conda stage runs (stdlib and rattler only, so it cannot import
reproenv): the mirror it reads the lock's upstream URLs from."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from reproenv.lock.conda.solve import channel_alias

SCRIPT = (
    Path(__file__).parents[3] / "src" / "reproenv" / "render" / "templates" / "conda_install.py"
)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("conda_install", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_names_no_channel_host_of_its_own() -> None:
    """The alias reaches it in conda-records.json, from the data file the locker reads."""
    assert "://" not in "".join(
        line for line in SCRIPT.read_text().splitlines() if not line.lstrip().startswith("#")
    )


def test_upstream_urls_are_read_through_the_mirror_and_others_are_not() -> None:
    through, alias = _script().through_mirror, channel_alias()
    url = f"{alias}/conda-forge/noarch/tqdm-4.67.0-pyh_0.conda"
    assert through(url, "http://mirror.example/conda/", alias) == (
        "http://mirror.example/conda/conda-forge/noarch/tqdm-4.67.0-pyh_0.conda"
    )
    assert through(url, "", alias) == url
    assert through(url, "http://mirror.example", "http://other.example") == url
    own = "https://channels.example/lab/linux-64/x-1-0.conda"
    assert through(own, "http://mirror.example", alias) == own
