"""The conda stage's inputs, written beside requirements.lock: the platform's records as JSON,
the installer's pins in pip's hash-checking format, and the script that installs the records."""

from __future__ import annotations

import dataclasses
import json
from importlib.resources import files

from reproenv.fsutil import GENERATED_MARKER
from reproenv.plan.conda import CondaEnv

_HEADER = f"{GENERATED_MARKER} — do not edit; regenerate with: reproenv generate"
INSTALL_SCRIPT = "conda_install.py"  # package data in templates/


def conda_files(conda: CondaEnv) -> dict[str, str]:
    return {
        conda.records_file: render_records(conda),
        conda.installer_lock: render_installer_lock(conda),
        conda.install_script: install_script(),
    }


def render_records(conda: CondaEnv) -> str:
    """JSON with the header as its first member and one record a line: the same records give
    the same bytes, and a diff shows the records that changed."""
    records = [
        json.dumps(
            {k: v for k, v in dataclasses.asdict(record).items() if v not in ((), None)},
            sort_keys=True,
            ensure_ascii=False,
        )
        for record in conda.records
    ]
    head = {
        "comment": _HEADER,
        "prefix": conda.prefix,
        "subdir": conda.subdir,
        "channel_alias": conda.channel_alias,
    }
    lines = [f'{{"comment": {json.dumps(head["comment"], ensure_ascii=False)},']
    lines += [
        f" {json.dumps(key)}: {json.dumps(head[key])},"
        for key in ("prefix", "subdir", "channel_alias")
    ]
    lines.append(' "records": [')
    lines += [f"  {record}," for record in records[:-1]] + [f"  {records[-1]}"]
    lines.append(" ]}")
    return "\n".join(lines) + "\n"


def render_installer_lock(conda: CondaEnv) -> str:
    lines = [
        f"# {_HEADER}",
        f"# py-rattler for the conda stage ({conda.subdir}), pinned in reproenv.lock:",
        f"#   pip install --require-hashes --no-deps -r {conda.installer_lock}",
    ]
    if conda.index_url:
        lines.append(f"--index-url {conda.index_url}")
    lines += [f"--extra-index-url {url}" for url in conda.extra_index_urls]
    for pin in conda.installer:
        lines.append(
            f"{pin.name}=={pin.version}" + "".join(f" \\\n    --hash={h}" for h in pin.hashes)
        )
    return "\n".join(lines) + "\n"


def install_script() -> str:
    return (files("reproenv.render") / "templates" / INSTALL_SCRIPT).read_text(encoding="utf-8")
