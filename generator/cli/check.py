"""The `check` command: every problem of the workspace, each with its file and line.

In: argv. Out: the problems (JSON with --json); exit 4 when there is an error.
"""

from __future__ import annotations

import sys

import click

from ..core.errors import CheckFailed
from .options import echo_json, json_option, print_problems
from .root import App, root


@root.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@json_option
@click.pass_obj
def check_cmd(app: App, strict: bool, as_json: bool) -> None:
    """Validate the whole workspace and list every problem with file and line: every letter's
    every example is composed (to HTML, not PDF) in every language it declares."""
    from ..checks.checks import check_workspace
    from ..tools.views import problems_data

    problems = check_workspace(app.workspace_obj(), strict)
    errors = sum(p.severity == "error" for p in problems)
    if as_json:
        echo_json(problems_data(problems))
    else:
        print_problems(problems)
        click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)")
    if errors:
        sys.exit(CheckFailed.exit_code)
