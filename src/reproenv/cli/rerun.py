"""`reproenv rerun ID`: the recorded command again, in the recorded image on the recorded code,
and whether its declared outputs came out the same."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reproenv.cli.common import DockerOption
from reproenv.cli.run_cmd import RunProjectOption
from reproenv.cli.runs_cmd import RunIdArgument
from reproenv.errors import ExitCode, ReproenvError

if TYPE_CHECKING:
    from reproenv.cli.recorded_run import RunTarget
    from reproenv.cli.run_options import RunRequest
    from reproenv.runs.model import RunRecord

AnywayOption = Annotated[
    bool,
    typer.Option("--anyway", help="Run even when the image or the code differ from the record's."),
]


def register(app: typer.Typer) -> None:
    app.command("rerun")(rerun)


def rerun(
    ident: RunIdArgument,
    project: RunProjectOption = Path(),
    docker: DockerOption = None,
    anyway: AnywayOption = False,
) -> None:
    """Rerun a recorded run and compare its declared outputs: exit 0 when every one is
    identical ("repeatable"), 1 when any differs or the image or code is not the recorded one."""
    from rich.markup import escape

    from reproenv.cli.output import err
    from reproenv.cli.recorded_run import prepare
    from reproenv.runs.store import find_record

    _, original = find_record(project, ident)
    if not original.outputs:
        raise ReproenvError(
            f"run {original.id} declared no outputs: there is nothing to compare",
            "rerun-no-outputs",
            'declare them in reproenv.toml ([run] outputs = ["metrics.json"]), run again, '
            "and rerun that run; `reproenv run` runs a command without comparing",
            {"record": original.id},
        )
    target = prepare(project, docker)
    differences = differences_before(original, target)
    for line in differences:
        err.print(f"[bold yellow]differs[/]: {escape(line)}")
    if differences and not anyway:
        raise ReproenvError(
            f"rerun of {original.id} stopped before running: {len(differences)} "
            f"difference{'s' if len(differences) != 1 else ''} from the record (above)",
            "rerun-differs",
            "check out the recorded commit and build its lock, or pass --anyway to run regardless",
            {"record": original.id},
            ExitCode.CHECK_FAILED,
        )
    raise typer.Exit(run_and_compare(original, target))


def differences_before(original: RunRecord, target: RunTarget) -> list[str]:
    from reproenv.lock.model import content_hash
    from reproenv.runs.compare import code_differences, hash_differences, image_differences
    from reproenv.runs.git import collect_code
    from reproenv.runs.recorder import spec_state

    spec = target.spec
    return [
        *image_differences(original.image, target.image),
        *hash_differences("lock", original.lock.content_hash, content_hash(target.lock)),
        *hash_differences("spec", original.spec.hash, spec_state(spec).hash),
        *code_differences(original.code, collect_code(spec.project_dir, spec.run_outputs)),
    ]


def replay_request(original: RunRecord) -> RunRequest:
    from reproenv.cli.run_options import RunRequest
    from reproenv.runs.environment import replay_item

    options = original.options
    return RunRequest(
        cpu=options.cpu,
        env=tuple(replay_item(name, original.env.get(name)) for name in original.user_env),
        volumes=options.volumes,
        publish=options.publish,
        network=options.network,
        user=options.user,
        deterministic=original.deterministic,
    )


def run_and_compare(original: RunRecord, target: RunTarget) -> int:
    """Run it through `run`'s own path, then compare, print, and add the comparison to the new
    record."""
    from reproenv.cli.output import out, warn
    from reproenv.cli.recorded_run import execute
    from reproenv.runs.compare import compare_outputs
    from reproenv.runs.hashing import hash_paths, newest_change
    from reproenv.runs.store import write_record

    project_dir = target.spec.project_dir
    paths = [item.path for item in original.outputs]
    before = {path: newest_change(project_dir, path) for path in paths}
    outcome = execute(target, original.command, replay_request(original), rerun_of=original.id)
    if outcome.record.state == "interrupted":
        return outcome.exit_code or int(ExitCode.INTERRUPTED)
    rewritten = {path: newest_change(project_dir, path) != before[path] for path in paths}
    comparison, checks = compare_outputs(original, hash_paths(project_dir, paths), rewritten)
    if outcome.path is not None:
        write_record(project_dir, outcome.record.model_copy(update={"comparison": comparison}))
    same_exit = outcome.exit_code == original.exit_code
    if not same_exit:
        warn(f"exit code: recorded {original.exit_code}, now {outcome.exit_code}")
    if comparison.repeatable and same_exit:
        out.print(f"repeatable: {len(checks)} output{'s' if len(checks) != 1 else ''} identical")
        return 0
    differing = [check for check in checks if check.path in comparison.differing]
    if differing:
        out.print(f"not repeatable: {len(differing)} of {len(checks)} outputs differ", markup=False)
    else:
        out.print("not repeatable: the outputs are identical but the exit code differs")
    for check in differing:
        out.print(f"  {check.path}: {check.reason}", markup=False)
    return int(ExitCode.CHECK_FAILED)
