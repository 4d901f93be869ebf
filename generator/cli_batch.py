"""The `advocate batch` command: render a campaign (many letters) in parallel.

In: argv. Out: the letters in the output folder, a progress line while they render, the summary
table, and exit 5 when any letter failed (3 for a campaign file with errors, all listed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


def register(main: click.Group) -> None:
    from .cli import App, _print_problems, boundary

    @main.command("batch")
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
    @click.option("--check", "check_only", is_flag=True, help="Only validate the campaign file and list what would be rendered.")
    @click.pass_obj
    @boundary
    def batch_cmd(app: App, campaign: str, workers: int | None, out: str | None, scheduler: str | None, check_only: bool) -> None:
        """Render every letter of a CAMPAIGN file (letters x addressees x languages).

        Only letters whose inputs changed since the last run are rendered; a manifest.json in the
        output folder records each file with its inputs and sha256. A failing letter does not stop
        the others; the exit code is 5 if any failed. See the README, "Campaigns".
        """
        from .batch import run_batch, summary
        from .campaign import load_campaign
        from .progress import Progress

        if workers and scheduler:
            raise click.UsageError("give --workers or --scheduler, not both")
        loaded = app.loaded()
        plan = load_campaign(Path(campaign), loaded)
        _print_problems(plan.warnings)
        out_dir = Path(out) if out else Path("out") / plan.name
        if check_only:
            for job in plan.jobs:
                click.echo(f"{job.output}  {job.label}")
            click.echo(f"campaign {plan.name!r}: {len(plan.jobs)} letter(s), no errors")
            return
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
