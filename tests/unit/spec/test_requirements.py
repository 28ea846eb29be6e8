"""The requirement model: pip's requirements-file lines over `packaging` requirements."""

from __future__ import annotations

import time

import pytest

from reproenv.spec.envvars import expand_env
from reproenv.spec.requirements import (
    RequirementLine,
    Source,
    canonical_name,
    parse_line,
    parse_lines,
    split_logical,
)

WHEEL = "https://example.invalid/pkg-1.0-py3-none-any.whl"
HASH = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "source", "name"),
    [
        ("numpy", Source.INDEX, "numpy"),
        ("numpy>=1.21,<2", Source.INDEX, "numpy"),
        ("numpy >= 1.21 , < 2", Source.INDEX, "numpy"),
        ("Scikit_Learn[alldeps,tests]>=1.5", Source.INDEX, "Scikit_Learn"),
        ("torch ; platform_machine == 'x86_64' and python_version >= '3.9'", Source.INDEX, "torch"),
        ('numpy==1.0;python_version<"3.12"', Source.INDEX, "numpy"),
        (f"pkg @ {WHEEL}", Source.URL, "pkg"),
        (f"pkg@{WHEEL}", Source.URL, "pkg"),
        (f"pkg[x]@ {WHEEL}", Source.URL, "pkg"),
        (f'pkg @ {WHEEL} ; python_version >= "3.8"', Source.URL, "pkg"),
        (WHEEL, Source.URL, None),
        ("lab @ git+https://pkgs.lab.example/lab.git@v1", Source.VCS, "lab"),
        ("lab@git+ssh://git@pkgs.lab.example/lab.git", Source.VCS, "lab"),
        ("git+https://pkgs.lab.example/lab.git#egg=lab", Source.VCS, None),
        ("lab @ hg+https://pkgs.lab.example/lab", Source.VCS, "lab"),
        ("foo @ file:./libs/foo", Source.LOCAL, "foo"),
        ("foo@file:///opt/foo", Source.LOCAL, "foo"),
        ("./libs/foo", Source.LOCAL, None),
        (". ; python_version >= '3.8'", Source.LOCAL, None),
        ("not a requirement (", None, None),
    ],
)
def test_where_a_requirement_installs_from(text: str, source: Source | None, name: str) -> None:
    line = parse_line(text)
    assert line.source is source
    assert not line.editable and not line.is_option
    assert (line.requirement.name if line.requirement else None) == name


@pytest.mark.parametrize(
    ("text", "path", "source"),
    [
        ("-e .", ".", Source.LOCAL),
        ("--editable ./libs/foo", "./libs/foo", Source.LOCAL),
        ("--editable=./libs/foo", "./libs/foo", Source.LOCAL),
        ("-e git+https://pkgs.lab.example/lab.git#egg=lab", None, Source.VCS),
        ('-e "./my lib"', "./my lib", Source.LOCAL),
    ],
)
def test_editable_lines(text: str, path: str | None, source: Source) -> None:
    line = parse_line(text)
    assert line.editable and not line.is_option and line.requirement is None
    assert (line.local_path, line.source) == (path, source)


@pytest.mark.parametrize(
    ("text", "option", "value"),
    [
        ("-r extra.txt", "--requirement", "extra.txt"),
        ("-r=extra.txt", "--requirement", "extra.txt"),
        ("--requirement extra.txt", "--requirement", "extra.txt"),
        ("--requirement=extra.txt", "--requirement", "extra.txt"),
        ("-r 'with space.txt'", "--requirement", "with space.txt"),
        ("-c constraints.txt", "--constraint", "constraints.txt"),
        ("--constraint=constraints.txt", "--constraint", "constraints.txt"),
        ("-i https://pkgs.example/simple", "--index-url", "https://pkgs.example/simple"),
        ("--index-url=https://u:${TOKEN}@h/simple", "--index-url", "https://u:${TOKEN}@h/simple"),
        ("--extra-index-url https://h/simple?a=b", "--extra-index-url", "https://h/simple?a=b"),
        ("--no-index", "--no-index", ""),
        ('-r "unclosed.txt', "--requirement", '"unclosed.txt'),
    ],
)
def test_option_lines(text: str, option: str, value: str) -> None:
    line = parse_line(text)
    assert (line.option, line.value) == (option, value)
    assert line.is_option and line.source is None and line.requirement is None
    assert line.include == (value if option in ("--requirement", "--constraint") else None)


@pytest.mark.parametrize(
    ("text", "pin"),
    [
        ("numpy==1.0", ("numpy", "1.0")),
        ("numpy == 1.0", ("numpy", "1.0")),
        ("Numpy[extra] == 1.0 ; python_version >= '3.9'", ("Numpy", "1.0")),
        ("numpy>=1.0", None),
        ("numpy==1.*", None),
        ("numpy==1.0,<2", None),
        (f"numpy @ {WHEEL}", None),
        ("-e .", None),
    ],
)
def test_pins(text: str, pin: tuple[str, str] | None) -> None:
    assert parse_line(text).pin == pin


def test_hash_options_follow_the_requirement() -> None:
    line = parse_line(f"numpy == 1.0 --hash={HASH} --hash sha256:bbb")
    assert line.value == "numpy == 1.0"
    assert line.hashes == (HASH, "sha256:bbb")
    assert line.pin == ("numpy", "1.0")
    url_line = parse_line(f"pkg @ {WHEEL} --hash={HASH}")
    assert (url_line.target, url_line.hashes) == (WHEEL, (HASH,))


def test_continuations_and_comments() -> None:
    text = (
        "# a comment line\n"
        "numpy==1.0 \\\n"
        f"    --hash={HASH} \\\n"
        "    --hash=sha256:bbb  # why this pin\n"
        "\n"
        "lab @ git+https://h/lab.git#egg=lab\n"  # a # inside a URL is no comment
        "scipy  # trailing comment\n"
    )
    assert split_logical(text) == [
        (2, f"numpy==1.0      --hash={HASH}      --hash=sha256:bbb"),
        (6, "lab @ git+https://h/lab.git#egg=lab"),
        (7, "scipy"),
    ]
    numpy, lab, scipy = parse_lines(text)
    assert (numpy.number, numpy.pin, numpy.hashes) == (2, ("numpy", "1.0"), (HASH, "sha256:bbb"))
    assert lab.source is Source.VCS and lab.is_git
    assert scipy.requirement is not None and scipy.requirement.name == "scipy"


ODD = {
    "long-name": "a" * 200_000,
    "long-dashed": "a-" * 100_000,
    "long-url": "pkg @ https://h/" + "b" * 200_000,
    "long-marker": "a ; " + 'python_version > "3" and ' * 5_000 + 'os_name == "x"',
    "nested-marker": "a ; " + "(" * 10_000 + 'os_name == "x"' + ")" * 10_000,
    "long-option": "-r " + "c" * 200_000,
    "odd-bytes": "\x00\x7f\ufffd\udcff pkg\u202e==1 \\",
    "only-dashes": "- -- ---",
    "lone-at": "@",
    "lone-hash": "--hash",
}


@pytest.mark.parametrize("text", ODD.values(), ids=ODD.keys())
def test_odd_lines_neither_hang_nor_raise(text: str) -> None:
    started = time.monotonic()
    for line in [parse_line(text), *parse_lines(text + "\n" + text)]:
        assert isinstance(line, RequirementLine)
        (line.source, line.pin, line.local_path, line.include, line.is_git)  # noqa: B018
    assert time.monotonic() - started < 5.0  # linear work; 5 s for a loaded CI host


def test_the_one_name_canonicaliser() -> None:
    assert canonical_name("Scikit_Learn") == "scikit-learn"
    assert canonical_name("zope.interface") == "zope-interface"
    assert canonical_name("A__b-.-C") == "a-b-c"


def test_environment_references_expand_when_known() -> None:
    env = {"TOKEN": "s3cret"}
    assert expand_env("https://u:${TOKEN}@h/$TOKEN/${MISSING}", env) == (
        "https://u:s3cret@h/s3cret/${MISSING}"
    )
