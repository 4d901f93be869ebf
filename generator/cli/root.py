"""The root command `advocate`: the typed state every command gets, and the one place where an
error becomes a message and an exit code.

In: argv (through click). Out: the command asked for, run with an `App` on ``ctx.obj``. An
`AdvocateError` leaves as ``error: WHERE: message`` plus a hint and its exit code (under a
command's --json, as a JSON document with the same code); any other exception as an internal
error (exit 70); a traceback only with --debug.

Each command lives in the module COMMANDS names, which registers it on `root` when imported
(`@root.command`, as pyHanko's cli/ does). `AdvocateGroup` imports that module only when its
command is asked for, or when --help lists them all, so `advocate render` loads none of the
signing, delivery, campaign, preview or petition machinery.
"""

from __future__ import annotations

import importlib
import logging
import sys
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from .. import DISTRIBUTION
from ..core.errors import AdvocateError, CheckFailed, Problem
from .options import JSON_MODE, echo_json, print_problems

if TYPE_CHECKING:  # the workspace and its loading (YAML, the models) are imported by the commands that use them
    from ..core.workspace import Workspace
    from ..load.loaded import Loaded

EXIT_INTERNAL = 70
# command name -> the module of this package that registers it
COMMANDS = {
    "letters": "letters",
    "show": "letters",
    "render": "letters",
    "examples": "letters",
    "citations": "library",
    "addressees": "library",
    "check": "check",
    "init": "scaffold",
    "new": "scaffold",
    "i18n": "translate",
    "preview": "preview",
    "batch": "batch",
    "signatories": "signatories",
    "sign": "signing",
    "verify": "signing",
    "mail": "delivery",
    "post": "delivery",
}


@dataclass
class App:
    """What every command gets on ``ctx.obj``: the global options, the workspace opened once."""

    workspace: str | None
    debug: bool
    opened: Workspace | None = field(default=None, repr=False)
    loaded_workspace: Loaded | None = field(default=None, repr=False)

    def workspace_obj(self) -> Workspace:
        """The workspace, opened once per command."""
        if self.opened is None:
            from ..core.workspace import open_workspace  # (lazy: `advocate --help` reads no workspace)

            self.opened = open_workspace(self.workspace)
        return self.opened

    def loaded(self) -> Loaded:
        """The loaded workspace (library, letters, addressees), loaded once per command."""
        if self.loaded_workspace is None:
            from ..load.loaded import load  # (lazy, as above)

            self.loaded_workspace = load(self.workspace_obj())
        return self.loaded_workspace


class AdvocateGroup(click.Group):
    """The root group: loads a command's module on demand, and maps errors to exit codes."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__package__}.{COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in dict.fromkeys(COMMANDS.values()):
            importlib.import_module(f"{__package__}.{module}")
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the one boundary: every failure in one line
            app = ctx.obj if isinstance(ctx.obj, App) else None
            if app is None or app.debug:
                raise
            fail(exc, bool(ctx.meta.get(JSON_MODE)))


def fail(exc: Exception, as_json: bool) -> None:
    """Print `exc` as the user sees it (one line and a hint, or the --json document) and exit
    with its code: an `AdvocateError`'s own, else EXIT_INTERNAL."""
    if isinstance(exc, CheckFailed):
        problems, code = exc.problems, exc.exit_code
    elif isinstance(exc, AdvocateError):
        problems, code = [Problem("error", exc.where or "", exc.msg, exc.hint or "")], exc.exit_code
    else:
        problems = [Problem("error", "", f"internal error: {type(exc).__name__}: {exc}", "run with --debug")]
        code = EXIT_INTERNAL
    if as_json:
        from ..tools.views import problems_data

        echo_json(problems_data(problems))
    elif isinstance(exc, CheckFailed):
        print_problems(problems)
        click.echo(f"error: {exc.msg}", err=True)
    elif isinstance(exc, AdvocateError):
        click.echo(f"error: {exc.line()}", err=True)
        if exc.hint:
            click.echo(f"  hint: {exc.hint}", err=True)
    else:
        click.echo(f"error: {problems[0].message}", err=True)
        click.echo("  hint: run again with --debug for the traceback, and report it", err=True)
    sys.exit(code)


@click.group(cls=AdvocateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    "-w",
    envvar="ADVOCATE_WORKSPACE",
    type=click.Path(file_okay=False),
    help="Your workspace folder (letters/, citations/, advocate.toml). Env: ADVOCATE_WORKSPACE.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks, and advocate's debug log (caches, WeasyPrint changes) on stderr.")
@click.version_option(package_name=DISTRIBUTION, prog_name="advocate")  # read when asked: importlib.metadata stays out of a render
@click.pass_context
def root(ctx: click.Context, workspace: str | None, debug: bool) -> None:
    """Advocacy letters and petitions with legal footnotes, rendered as PDF."""
    if not debug:
        quiet_dependencies()
    show_debug_log(debug)
    ctx.obj = App(workspace, debug)


class _EchoHandler(logging.Handler):
    """Log records as ``debug: LOGGER: message`` lines on the command's stderr (click's, so that a
    test runner captures them)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.name}: {record.getMessage()}", err=True)


def show_debug_log(shown: bool) -> None:
    """advocate's own loggers (``advocate.*``) at debug level on stderr, or as Python leaves them
    (warnings and errors only): a process that runs several commands (a test) gets each one's."""
    log = logging.getLogger("advocate")
    for handler in [h for h in log.handlers if isinstance(h, _EchoHandler)]:
        log.removeHandler(handler)
    log.setLevel(logging.DEBUG if shown else logging.NOTSET)
    if shown:
        log.addHandler(_EchoHandler())


def quiet_dependencies() -> None:
    """Warnings raised inside dependencies (a deprecation in cryptography that pyHanko triggers,
    ...) are not the user's to act on: shown only with --debug. advocate's own stay."""
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"generator(\.|$)")
