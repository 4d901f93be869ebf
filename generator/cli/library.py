"""The `citations` and `addressees` commands: the library and the addressee directory, listed and shown.

In: argv. Out: tables and details on stdout (JSON with --json).
"""

from __future__ import annotations

import click

from .options import echo_json, json_option
from .root import App, root


@root.group("citations")
def citations_grp() -> None:
    """The citation library: treaties, documents, incidents."""


@citations_grp.command("list")
@json_option
@click.pass_obj
def citations_list(app: App, as_json: bool) -> None:
    """List every citation key."""
    from ..tools.views import citations_data, citations_table

    if as_json:
        echo_json(citations_data(app.loaded()))
    else:
        click.echo(citations_table(app.loaded()))


@citations_grp.command("show")
@click.argument("key")
@click.pass_obj
def citations_show(app: App, key: str) -> None:
    """Show one treaty, document or incident, and how it is cited."""
    from ..tools.views import citation_detail

    click.echo(citation_detail(app.loaded(), key))


@root.group("addressees")
def addressees_grp() -> None:
    """The addressee directory."""


@addressees_grp.command("list")
@click.pass_obj
def addressees_list(app: App) -> None:
    """List the addressees."""
    from ..tools.views import addressees_table

    click.echo(addressees_table(app.loaded()))


@addressees_grp.command("show")
@click.argument("key")
@click.pass_obj
def addressees_show(app: App, key: str) -> None:
    """Show one addressee: address block, languages, channels, letters."""
    from ..tools.views import addressee_detail

    click.echo(addressee_detail(app.loaded(), key))
