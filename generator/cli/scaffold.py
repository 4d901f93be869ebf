"""The `init` and `new` commands: a new workspace, and new letters, incidents, documents and
addressees with every key to fill in.

In: argv. Out: the files created, listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from .root import App, root


@root.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.pass_obj
def init_cmd(app: App, directory: str) -> None:
    """Create a workspace with advocate.toml and one example letter."""
    from ..tools.scaffold import init_workspace

    for path in init_workspace(Path(directory)):
        click.echo(f"created {path}")
    click.echo(f"next: advocate --workspace {directory} render example --to cn-mfa")


@root.group("new")
def new_grp() -> None:
    """Start a letter, incident, document or addressee: a file with every key, to fill in."""


@new_grp.command("letter")
@click.argument("name")
@click.pass_obj
def new_letter_cmd(app: App, name: str) -> None:
    """Create letters/NAME/ (letter.yaml and letter.html.j2) in the workspace."""
    from ..tools.scaffold import new_letter

    for path in new_letter(app.workspace_obj(), name):
        click.echo(f"created {path}")
    click.echo(f"next: fill in the FILL IN parts, then `advocate preview {name} --to ADDRESSEE` (docs/writing-letters.md)")


def _new_entry(kind: str) -> Callable[..., None]:
    """The `advocate new KIND KEY` command for an incident, document or addressee."""

    @click.argument("key")
    @click.pass_obj
    def command(app: App, key: str) -> None:
        from ..tools.scaffold import new_entry

        path = new_entry(app.workspace_obj(), kind, key, dt.date.today())
        click.echo(f"created {path}")
        click.echo("next: fill in the FILL IN parts, then `advocate check`")

    command.__doc__ = f"Create the {kind} KEY in the workspace, every key commented."
    return command


for _kind in ("incident", "document", "addressee"):
    new_grp.command(_kind)(_new_entry(_kind))
