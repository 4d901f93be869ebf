"""The `advocate signatories` commands: check, stats and clean a signatory list (CSV).

In: argv. Out: the problems, counts or cleaned CSV of `generator.petition.signatories`; exit 4 when a
list has rejected rows (check; clean without --skip-invalid), 3 for a file that cannot be read as
a list at all (encoding, header, a quote that swallows rows, shifted columns) or a clean that
would overwrite its input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.errors import CheckFailed
from .options import print_problems
from .root import App, root


@root.group("signatories")
def signatories_grp() -> None:
    """Signatory lists (CSV) for sign-on letters and petitions: check, stats, clean."""


@signatories_grp.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def check_cmd(app: App, file: str) -> None:
    """List every problem of FILE with its line: rejected rows (errors) and duplicates (warnings)."""
    from ..petition.signatories import read_signatories

    found = read_signatories(Path(file), app.loaded().library)
    print_problems(found.problems)
    click.echo(
        f"{found.rows} row(s): {len(found.signatories)} accepted ({len(found.public)} public), "
        f"{len(found.rejected)} rejected, {len(found.duplicates)} duplicate(s) counted once, "
        f"{len(found.warnings)} warning(s)"
    )
    if found.rejected:
        sys.exit(CheckFailed.exit_code)


@signatories_grp.command("stats")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def stats_cmd(app: App, file: str) -> None:
    """Counts of FILE's accepted signatories by country and kind (organisation, individual)."""
    from ..load.countries import country_name
    from ..petition.signatories import read_signatories, stats

    library = app.loaded().library
    s = stats(read_signatories(Path(file), library))
    click.echo(
        f"rows {s.rows}  accepted {s.accepted}  public {s.public}  not public {s.hidden}  rejected {s.rejected}  duplicates {s.duplicates}"
    )
    click.echo(f"{'COUNTRY':<34}{'TOTAL':>8}{'PUBLIC':>8}{'ORGS':>7}{'PEOPLE':>8}")
    for code, total, public, orgs, people in s.by_country:
        label = f"{code} {country_name(code, 'en', library)}" if code else "(not given)"
        click.echo(f"{label[:33]:<34}{total:>8}{public:>8}{orgs:>7}{people:>8}")


@signatories_grp.command("clean")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Where to write the cleaned CSV (not FILE).")
@click.option("--skip-invalid", is_flag=True, help="Leave rejected rows out (each listed) instead of stopping.")
@click.pass_obj
def clean_cmd(app: App, file: str, out: str, skip_invalid: bool) -> None:
    """Write FILE's accepted signatories, cleaned and each counted once, to --out (UTF-8 CSV;
    countries as ISO codes, public as yes/no, spreadsheet formulas neutralised). --out may not
    be FILE; nothing is written unless the whole of FILE was read."""
    from ..petition.signatories import clean_file

    found, problems = clean_file(Path(file), Path(out), app.loaded().library, skip_invalid)
    print_problems(problems)
    click.echo(
        f"read {found.rows} row(s) from {file}; wrote {len(found.signatories)} signatories to {out} "
        f"(left out: {len(found.rejected)} rejected, {len(found.duplicates)} duplicate(s))"
    )
