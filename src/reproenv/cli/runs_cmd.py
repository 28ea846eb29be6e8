"""`reproenv runs` (the run records as a table) and `reproenv runs show ID` (one of them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import ProjectOption

if TYPE_CHECKING:
    from reproenv.runs.model import RunRecord

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
RunIdArgument = Annotated[
    str, typer.Argument(metavar="ID", help="A run's id, or its record's file name.")
]

app = typer.Typer(
    help="The run records of .reproenv/runs/: every `reproenv run`.",
    invoke_without_command=True,
    rich_markup_mode=None,
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="runs")


@app.callback()
def runs(ctx: typer.Context, project: ProjectOption = Path(), json: JsonOption = False) -> None:
    """List the run records, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from reproenv.cli.output import out, warn
    from reproenv.runs.store import list_records, records_dir

    listed = list_records(project)
    for item in listed:
        if item.record is None:
            warn(f"{item.path.name}: {item.problem}")
    records = [item.record for item in listed if item.record is not None]
    if json:
        import json as json_module

        data = [r.model_dump(mode="json", by_alias=True) for r in records]
        print(json_module.dumps(data, indent=2))
        return
    if not records:
        out.print(f"no run records in {records_dir(project)}: `reproenv run` writes one each run")
        return
    out.print(table(records))


def table(records: list[RunRecord]) -> object:
    from rich.table import Table

    grid = Table(box=None, pad_edge=False)
    for column in ("time (UTC)", "id", "command", "exit", "state", "image", "commit"):
        grid.add_column(column, no_wrap=column != "command")
    for record in records:
        commit = (record.code.commit or "-")[:8] + ("*" if record.code.dirty else "")
        grid.add_row(
            record.started.strftime("%Y-%m-%d %H:%M:%S"),
            record.id,
            command_text(record),
            "-" if record.exit_code is None else str(record.exit_code),
            record.state,
            record.image.id.removeprefix("sha256:")[:12],
            commit,
        )
    return grid


def command_text(record: RunRecord, width: int = 60) -> str:
    import shlex

    text = shlex.join(record.command) if record.command else "(the image's command)"
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("show")
def show(ident: RunIdArgument, project: ProjectOption = Path(), json: JsonOption = False) -> None:
    """Print one run record (`--json`: the file as written)."""
    from reproenv.cli.output import out
    from reproenv.runs.store import dump, find_record

    path, record = find_record(project, ident)
    if json:
        print(dump(record), end="")
        return
    from rich.markup import escape

    for key, value in summary(record, path).items():
        out.print(f"[bold]{key}[/]: {escape(value)}")


def summary(record: RunRecord, path: Path) -> dict[str, str]:
    host = record.host
    gpus = ", ".join(f"{g.name} ({g.memory_bytes or 0} B)" for g in host.gpus) or "none"
    code, ended = record.code, record.ended
    changes = f" with changes {code.diff_hash}" if code.dirty else ""
    rows = {
        "record": str(path),
        "id": record.id + (f" (rerun of {record.rerun_of})" if record.rerun_of else ""),
        "state": f"{record.state}, exit {record.exit_code}",
        "time": f"{record.started.isoformat()} to {ended.isoformat() if ended else '?'}",
        "command": command_text(record, 200),
        "deterministic": "yes" if record.deterministic else "no",
        "image": f"{record.image.id} ({record.image.tag})",
        "lock": record.lock.content_hash,
        "spec": f"{record.spec.file} {record.spec.hash}",
        "code": f"{code.commit}{changes}" if code.commit else str(code.note),
        "host": f"{host.os}, kernel {host.kernel}, {host.cpu_model} x{host.cpu_cores}",
        "gpus": gpus + (f", driver {host.gpu_driver}, CUDA {host.cuda}" if host.gpus else ""),
        "engine": f"{host.engine.name} {host.engine.server_version}",
    }
    for label, items in (("inputs", record.inputs), ("outputs", record.outputs)):
        rows[label] = ", ".join(f"{i.path} {i.hash or 'missing'}" for i in items) or "none declared"
    if record.comparison:
        c = record.comparison
        rows["comparison"] = (
            f"{'repeatable' if c.repeatable else 'not repeatable'}: "
            f"{len(c.identical)} identical, differing: {', '.join(c.differing) or 'none'}"
        )
    return rows
