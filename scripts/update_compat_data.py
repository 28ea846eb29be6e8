#!/usr/bin/env python3
"""Refresh the CUDA variant lists in src/reproenv/data/torch.json from the PyTorch wheel index.

Reads https://download.pytorch.org/whl/torch/ (every torch wheel, `torch-<ver>+cuXYZ-...whl`),
collects which cuXYZ variants each torch release publishes for Linux x86_64, and prints the change
to torch.json as a unified diff. `--write` applies it and sets `retrieved` to today.

What the index cannot tell is left to a person: the GPU architectures a new variant ships
(`archs`/`ptx`, from torch.cuda.get_arch_list() of that wheel or the release's build_cuda.sh) and
which variant a new release's default PyPI wheel is. The script lists those instead of guessing.
Maintainers only; standard library only; never run by the tests (it needs the network).
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

INDEX_URL = "https://download.pytorch.org/whl/torch/"
TORCH_JSON = Path(__file__).resolve().parents[1] / "src" / "reproenv" / "data" / "torch.json"
EXIT_OFFLINE = 3  # reproenv's "environment problem" exit code

_WHEEL = re.compile(
    r"torch-(?P<major>\d+)\.(?P<minor>\d+)\.\d+(?:\.post\d+)?(?:\+|%2[Bb])(?P<variant>cu\d{2,3})"
    r"-[^\"'<>\s/]*?(?:linux|manylinux[^\"'<>\s/-]*)_x86_64\.whl"
)


def variants_by_release(index_html: str) -> dict[str, set[str]]:
    """{"2.4": {"cu118", "cu121", "cu124"}, …} from the wheel names in the index page."""
    found: dict[str, set[str]] = {}
    for match in _WHEEL.finditer(index_html):
        found.setdefault(f"{match['major']}.{match['minor']}", set()).add(match["variant"])
    return found


def _cuda_of(variant: str) -> str:
    digits = variant.removeprefix("cu")
    return f"{digits[:-1]}.{digits[-1]}"


def _key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def updated(data: dict[str, Any], found: dict[str, set[str]]) -> tuple[dict[str, Any], list[str]]:
    """torch.json with each recorded release's variants as the index has them, and to-dos."""
    todo: list[str] = []
    releases: list[dict[str, Any]] = []
    for release in data["releases"]:
        published = found.get(release["torch"])
        if not published:
            releases.append(release)
            continue
        default = release["default_wheel_same_as"]
        if default not in published:
            todo.append(
                f"torch {release['torch']}: the index no longer lists {default}, the build its "
                "default wheel is recorded as; kept"
            )
            published = published | {default}
        known = {v["variant"]: v for v in release["variants"]}
        variants = []
        for name in sorted(published, key=_key):
            if name not in known:
                todo.append(
                    f"torch {release['torch']}: new variant {name}: fill in its archs/ptx "
                    "(torch.cuda.get_arch_list() of that wheel)"
                )
            variants.append(
                known.get(name, {"variant": name, "cuda": _cuda_of(name), "archs": [], "ptx": []})
            )
        releases.append({**release, "variants": variants})
    recorded = {r["torch"] for r in data["releases"]}
    for label in sorted(set(found) - recorded, key=_key):
        if _key(label) > _key(data["releases"][-1]["torch"]):
            names = ", ".join(sorted(found[label], key=_key))
            todo.append(
                f"torch {label} is not recorded (variants {names}): add it by hand with its "
                "default wheel's variant and each variant's archs/ptx"
            )
    return {**data, "releases": releases}, todo


def render(data: dict[str, Any]) -> str:
    """torch.json's own layout: one line per variant, so that diffs stay small."""
    lines = ["{"]
    for key, value in data.items():
        if key == "releases":
            continue
        text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        lines.append(f"  {json.dumps(key)}: {text},")
    lines.append('  "releases": [')
    blocks = []
    for release in data["releases"]:
        variants = ",\n".join(
            "        " + json.dumps(v, separators=(", ", ": "), ensure_ascii=False)
            for v in release["variants"]
        )
        blocks.append(
            "    {\n"
            f'      "torch": {json.dumps(release["torch"])},\n'
            f'      "default_wheel_same_as": {json.dumps(release["default_wheel_same_as"])},\n'
            '      "variants": [\n'
            f"{variants}\n"
            "      ]\n"
            "    }"
        )
    lines.append(",\n".join(blocks))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def fetch(url: str, timeout: float) -> str:
    if not url.startswith("https://"):
        raise ValueError(f"refusing a non-https index URL: {url}")
    # https only (checked above), so S310's worry about file: and custom schemes does not apply
    headers = {"User-Agent": "reproenv-update-compat-data"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body: bytes = response.read()
    return body.decode("utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Regenerate the CUDA variant lists in src/reproenv/data/torch.json from the "
            "PyTorch wheel index and print the change as a diff (needs network access)."
        )
    )
    parser.add_argument("--index-url", default=INDEX_URL, help=f"default: {INDEX_URL}")
    parser.add_argument(
        "--from-file",
        type=Path,
        metavar="HTML",
        help="read a saved copy of the index page instead of downloading it",
    )
    parser.add_argument("--data", type=Path, default=TORCH_JSON, help="torch.json to update")
    parser.add_argument("--write", action="store_true", help="write the change to torch.json")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    args = parser.parse_args(argv)

    if args.from_file is not None:
        page = args.from_file.read_text(encoding="utf-8")
    else:
        try:
            page = fetch(args.index_url, args.timeout)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            print(
                f"cannot reach {args.index_url} ({reason}).\n"
                "This script needs network access to the PyTorch wheel index; nothing was "
                "changed. Run it on a machine that is online, or pass --from-file with a saved "
                "copy of the page.",
                file=sys.stderr,
            )
            return EXIT_OFFLINE

    found = variants_by_release(page)
    if not found:
        print(f"no torch+cuXYZ Linux x86_64 wheels found in {args.index_url}", file=sys.stderr)
        return 1
    before = args.data.read_text(encoding="utf-8")
    data, todo = updated(json.loads(before), found)
    after = render(data)
    if after != before:
        data["retrieved"] = datetime.date.today().isoformat()
        after = render(data)
    sys.stdout.writelines(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=str(args.data),
            tofile=f"{args.data} (from {args.from_file or args.index_url})",
        )
    )
    for line in todo:
        print(f"to do: {line}")
    if after == before:
        print("torch.json already matches the index")
    elif args.write:
        args.data.write_text(after, encoding="utf-8")
        print(f"wrote {args.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
