"""Every REPROENV_* variable is defined once, in settings.py, and README's table lists them all."""

from __future__ import annotations

import re
from pathlib import Path

from reproenv.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "reproenv"
_NAME = re.compile(r"REPROENV_[A-Z0-9_]*[A-Z0-9]")
_LITERAL = re.compile(r"[\"'](REPROENV_[A-Z0-9_]+)[\"']")


def _machine_settings_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Machine settings")
    return readme[start : readme.index("\n## ", start + 1)]


def test_every_variable_the_code_names_is_a_setting() -> None:
    names = {setting.name for setting in SETTINGS}
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        unknown = set(_NAME.findall(text)) - names
        assert not unknown, f"{path.relative_to(ROOT)} reads {unknown}: define them in settings.py"
        if path.name != "settings.py":
            literals = _LITERAL.findall(text)
            assert not literals, f"{path.relative_to(ROOT)} spells {literals}: use settings.py's"


def test_the_readme_table_lists_every_setting_and_no_other() -> None:
    section = _machine_settings_section()
    names = {setting.name for setting in SETTINGS}
    assert names - set(_NAME.findall(section)) == set(), "add them to README's machine settings"
    assert set(_NAME.findall(section)) - names == set(), "README names a setting reproenv lacks"


def test_each_setting_is_named_once_with_a_default_and_help() -> None:
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    assert all(setting.default and setting.help for setting in SETTINGS)
