"""The `advocate batch` command: render a campaign (many letters) in parallel.

In: argv. Out: the letters in the output folder, a progress line while they render, the summary
table, and exit 5 when any letter failed (3 for a campaign file with errors, all listed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import echo_json, json_option, print_problems
from .root import App, root

if TYPE_CHECKING:
    from ..campaign.campaign import Campaign
    from ..load.loaded import Loaded


@root.command("batch")
@click.argument("campaign", type=click.Path(dir_okay=False))
@click.option(
    "--workers", "-j", type=click.IntRange(min=1), help=f"Worker processes (default: the number of cores, here {os.cpu_count() or 1})."
)
@click.option("--out", "out", type=click.Path(file_okay=False), help="Output folder (default: out/CAMPAIGN-NAME).")
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Render on a Dask distributed cluster instead of local processes (needs: pip install -e '.[dask]').",
)
@click.option("--check", "check_only", is_flag=True, help="Only check: compose every letter (HTML, no PDF) and list what would be written.")
@json_option
@click.pass_obj
def batch_cmd(
    app: App, campaign: str, workers: int | None, out: str | None, scheduler: str | None, check_only: bool, as_json: bool
) -> None:
    """Render every letter of a CAMPAIGN file (letters x addressees x languages).

    Only letters whose inputs changed since the last run are rendered; a manifest.json in the
    output folder records each file with its inputs and sha256. A failing letter does not stop
    the others; the exit code is 5 if any failed. See the README, "Campaigns".
    """
    from ..campaign.batch import run_batch, summary
    from ..campaign.campaign import load_campaign
    from ..campaign.progress import Progress

    if workers and scheduler:
        raise click.UsageError("give --workers or --scheduler, not both")
    if as_json and not check_only:
        raise click.UsageError("--json goes with --check")
    loaded = app.loaded()
    plan = load_campaign(Path(campaign), loaded)
    out_dir = Path(out) if out else Path("out") / plan.name
    if check_only:
        _check(plan, loaded, out_dir, "--out" if out else "", as_json)
        return
    print_problems(plan.warnings)
    bar: list[Progress] = []

    def started(todo: int, skipped: int) -> None:
        click.echo(f"campaign {plan.name!r}: {todo} to render, {skipped} up to date, into {out_dir}", err=True)
        bar.append(Progress(todo, sys.stderr))

    try:
        report = run_batch(plan, loaded, out_dir, workers, scheduler, progress=lambda s: bar[0](s), on_start=started)
    finally:
        if bar:
            bar[0].close()
    click.echo(summary(report))
    if not report.ok:
        sys.exit(5)


def _check(plan: Campaign, loaded: Loaded, out_dir: Path, option: str, as_json: bool) -> None:
    """`batch --check`: every job composed as the real run would; the jobs and the problems, as
    text or JSON; exit 4 when a job would fail."""
    from ..campaign.batch import check_campaign
    from ..checks.checks import unique
    from ..core.errors import CheckFailed, errors_in
    from ..tools.views import problem_data, problems_data

    checked, problems = check_campaign(plan, loaded, out_dir, option)
    problems = unique([*plan.warnings, *problems])
    failing = [c for c in checked if not c.ok]
    if as_json:
        jobs = [
            {
                "output": c.job.output,
                "letter": c.job.request.letter,
                "addressee": c.job.request.addressee,
                "lang": c.job.request.lang,
                "format": c.job.fmt,
                "ok": c.ok,
                "problems": [problem_data(p) for p in c.problems],
            }
            for c in checked
        ]
        echo_json(problems_data(problems, campaign=plan.name, letters=len(checked), failing=len(failing), jobs=jobs))
    else:
        print_problems(problems)
        for c in checked:
            click.echo(f"{c.job.output}  {c.job.label}" + ("" if c.ok else f"  WOULD FAIL ({len(errors_in(c.problems))} error(s))"))
        errors = len(errors_in(problems))
        click.echo(
            f"campaign {plan.name!r}: {len(checked)} letter(s), {len(failing)} would fail; "
            f"{errors} error(s), {len(problems) - errors} warning(s)"
        )
    if errors_in(problems):
        sys.exit(CheckFailed.exit_code)
