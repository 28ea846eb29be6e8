"""apptainer.def read back by spython's Singularity parser, for the tests: what it read of the
header, the environment, the labels and the runscript."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spython.main.parse.parsers import SingularityParser


class _RecordingParser(SingularityParser):  # type: ignore[misc]
    """spython checks the Bootstrap line (docker agents only) but keeps no record of it."""

    bootstraps: list[str]

    def _check_bootstrap(self, line: str) -> None:
        super()._check_bootstrap(line)
        self.bootstraps.append(line)


@dataclass(frozen=True)
class Recipe:
    bootstrap: str
    source: str
    environment: dict[str, str]
    labels: dict[str, str]
    runscript: list[str]


def read_recipe(path: Path) -> Recipe:
    parser = _RecordingParser(str(path), load=False)
    parser.bootstraps = []
    layer = parser.parse()["spython-base"]
    assert len(parser.bootstraps) == 1, parser.bootstraps  # no other line reads as a header
    # a runscript of several lines becomes `echo "LINE" >> /entrypoint.sh` install steps
    script = [
        match[1]
        for line in layer.install
        if (match := re.fullmatch(r'echo "(.*)" >> /entrypoint.sh', line))
    ]
    return Recipe(
        bootstrap=parser.bootstraps[0].split(":", 1)[1].strip(),
        source=layer.fromHeader,
        environment=dict(item.split("=", 1) for item in layer.environ),
        labels=dict(item.split(" ", 1) for item in layer.labels),
        runscript=script or [layer.cmd],
    )
