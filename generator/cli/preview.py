"""The `preview` command: a letter in a browser, rendered again whenever a file it uses is saved.

In: argv. Out: a local web server until Ctrl-C.
"""

from __future__ import annotations

import sys

import click

from ..core.errors import InputError
from .options import letter_options, parse_date, parse_vars
from .root import App, root


@root.command("preview")
@click.argument("letter")
@click.option("--to", "to", required=True, help="Addressee key (`advocate addressees list`).")
@letter_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on (127.0.0.1 or ::1).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.pass_obj
def preview_cmd(
    app: App,
    letter: str,
    to: str,
    lang: str,
    pairs: tuple[str, ...],
    vars_file: str | None,
    date: str | None,
    paper: str | None,
    host: str,
    port: int,
) -> None:
    """Show LETTER in a browser, rendered again each time a template, catalogue, citation or
    advocate.toml of the workspace is saved (Ctrl-C stops it)."""
    try:
        from ..tools.preview_web import listen, serve
    except ImportError as exc:
        raise InputError(
            f"the preview needs the package {exc.name!r}",
            hint="install the extra: pip install 'advocate-letters[preview]' (`make setup` does)",
        ) from None
    from ..tools.preview import PreviewRequest

    request = PreviewRequest(
        workspace=app.workspace, letter=letter, to=to, lang=lang, variables=parse_vars(pairs, vars_file), date=parse_date(date), paper=paper
    )
    app.workspace_obj()  # a missing workspace stops here, before the server starts
    sock = listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"preview of {letter} to {to} in {lang!r}: http://{shown}:{sock.getsockname()[1]}/  (Ctrl-C to stop)", err=False)
    sys.stdout.flush()
    serve(request, sock)
