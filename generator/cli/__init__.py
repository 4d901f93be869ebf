"""The command line: parses options, calls one library function per command, prints the result.

The only module that imports click. Every command runs inside `boundary`, which turns an
`AdvocateError` into ``error: WHERE: message`` plus a hint and a non-zero exit (a traceback only
with ``--debug``).
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import __version__
from ..core.errors import AdvocateError, CheckFailed, InputError, Problem, Where
from ..render.pdf import PDF_VARIANTS

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERNAL = 70


@dataclass
class App:
    workspace: str | None
    debug: bool
    _workspace: Any = None

    def workspace_obj(self):  # type: ignore[no-untyped-def]
        """The workspace, opened once per command."""
        if self._workspace is None:
            from ..core.workspace import open_workspace

            self._workspace = open_workspace(self.workspace)
        return self._workspace

    def loaded(self):  # type: ignore[no-untyped-def]
        """The loaded workspace (library, letters, addressees), loaded once per command."""
        from ..compose.build import load

        return load(self.workspace_obj())


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(p.line(), err=True)
        if p.hint:
            click.echo(f"  hint: {p.hint}", err=True)


class JsonOption(click.Option):
    """The `--json` of the commands whose failures `boundary` prints as a JSON document too."""


def json_option(func: F) -> F:
    """`--json`: one JSON document on stdout instead of the text (docs/checks.md, "JSON output")."""
    help_text = "Print one JSON document on stdout (for scripts and CI)."
    return click.option("--json", "as_json", is_flag=True, cls=JsonOption, help=help_text)(func)


def _json_mode() -> bool:
    """Whether the running command was given a `json_option` `--json`."""
    ctx = click.get_current_context()
    return bool(ctx.params.get("as_json")) and any(isinstance(p, JsonOption) for p in ctx.command.params)


def _echo_json(document: dict[str, Any]) -> None:
    import json

    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _json_failure(problems: list[Problem], code: int) -> None:
    """Under --json, a command that stops prints its problems as the document, exit code unchanged."""
    from ..tools.views import problems_data

    _echo_json(problems_data(problems))
    sys.exit(code)


def boundary(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app: App = click.get_current_context().obj
        as_json = _json_mode()
        try:
            return func(*args, **kwargs)
        except CheckFailed as exc:
            if app.debug:
                raise
            if as_json:
                _json_failure(exc.problems, exc.exit_code)
            _print_problems(exc.problems)
            click.echo(f"error: {exc.msg}", err=True)
            sys.exit(exc.exit_code)
        except AdvocateError as exc:
            if app.debug:
                raise
            if as_json:
                _json_failure([Problem("error", exc.where or "", exc.msg, exc.hint or "")], exc.exit_code)
            click.echo(f"error: {exc.line()}", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary reports every failure in one line
            if app.debug:
                raise
            if as_json:
                _json_failure([Problem("error", "", f"internal error: {type(exc).__name__}: {exc}", "run with --debug")], EXIT_INTERNAL)
            click.echo(f"error: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("  hint: run again with --debug for the traceback, and report it", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    "-w",
    envvar="ADVOCATE_WORKSPACE",
    type=click.Path(file_okay=False),
    help="Your workspace folder (letters/, citations/, advocate.toml). Env: ADVOCATE_WORKSPACE.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(__version__, prog_name="advocate")
@click.pass_context
def main(ctx: click.Context, workspace: str | None, debug: bool) -> None:
    """Advocacy letters and petitions with legal footnotes, rendered as PDF."""
    if not debug:
        _quiet_dependencies()
    ctx.obj = App(workspace, debug)


def _quiet_dependencies() -> None:
    """Warnings raised inside dependencies (a deprecation in cryptography that pyHanko triggers,
    ...) are not the user's to act on: shown only with --debug. advocate's own stay."""
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"generator(\.|$)")


@main.command("letters")
@json_option
@click.pass_obj
@boundary
def letters_cmd(app: App, as_json: bool) -> None:
    """List the letter templates."""
    from ..tools.views import letters_data, letters_table

    if as_json:
        _echo_json(letters_data(app.loaded()))
    else:
        click.echo(letters_table(app.loaded()))


@main.command("show")
@click.argument("letter")
@click.pass_obj
@boundary
def show_cmd(app: App, letter: str) -> None:
    """Show a letter's purpose, addressee kinds, variables and citations."""
    from ..tools.views import letter_detail

    click.echo(letter_detail(app.loaded(), letter))


def _parse_vars(pairs: tuple[str, ...], vars_file: str | None) -> dict[str, Any]:
    from ..core.yamlio import LDict, load_yaml

    values: dict[str, Any] = {}
    if vars_file:
        data = load_yaml(Path(vars_file))
        if not isinstance(data, LDict):
            raise InputError("expected a mapping of variable names to values", Where(vars_file, getattr(data, "line", 1)))
        values.update(data)
    given: set[str] = set()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--var {pair!r} is not KEY=VALUE", "--var", hint="for example --var reference=HR/2023/17")
        key = key.strip()
        if key in values and key in given:  # a repeated --var builds a list: --var cc=a --var cc=b
            previous = values[key]
            values[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[key] = value
        given.add(key)
    return values


LETTER_OPTIONS = (
    click.option("--lang", default="en", show_default=True, callback=lambda _c, _p, v: _lang_tag(v), help="Language (en, zh-CN, FR...)."),
    click.option(
        "--var", "pairs", multiple=True, metavar="KEY=VALUE", help="Set a letter variable; repeat a key to give a list item by item."
    ),
    click.option("--vars", "vars_file", type=click.Path(dir_okay=False), help="YAML file of variables."),
    click.option("--date", "date", help="Letter date YYYY-MM-DD (default: today in this machine's time zone)."),
    click.option(
        "--paper", type=click.Choice(["A4", "letter"], case_sensitive=False), help="Paper size (default: advocate.toml, else A4)."
    ),
)


def letter_options(func: F) -> F:
    """--lang, --var, --vars, --date and --paper, declared once for the commands that render a letter."""
    for option in reversed(LETTER_OPTIONS):
        func = option(func)
    return func


@main.command("render")
@click.argument("letter")
@click.option("--to", "to", required=True, help="Addressee key (`advocate addressees list`).")
@letter_options
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "html"]), help="Output format (default: --out's extension, else pdf)."
)
@click.option("--signatories", type=click.Path(dir_okay=False), help="CSV of signatories (sign-on letters, petitions).")
@click.option("--skip-invalid", is_flag=True, help="Render without the signatory rows that are rejected, and list them.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--confidential", is_flag=True, help="Include named victims (confidential version; default is the public one).")
@click.option("--wet-ink", is_flag=True, help="Signature lines with printed names, to sign by hand (no signature fields).")
@click.option(
    "--out", "out", type=click.Path(), help="Output file, or folder ending in / (default: out/LETTER-ADDRESSEE-LANG.pdf)."
)
@click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    help="An archival PDF/A variant (the PDF is tagged in every case).",
)
@click.pass_obj
@boundary
def render_cmd(
    app: App,
    letter: str,
    to: str,
    lang: str,
    pairs: tuple[str, ...],
    vars_file: str | None,
    date: str | None,
    fmt: str | None,
    paper: str | None,
    signatories: str | None,
    skip_invalid: bool,
    strict: bool,
    confidential: bool,
    wet_ink: bool,
    out: str | None,
    pdf_variant: str | None,
) -> None:
    """Render LETTER to an addressee as PDF (or HTML)."""
    from ..compose.build import build_letter
    from ..compose.compose import LetterRequest

    letter_date = _parse_date(date) or dt.date.today()
    _check_options_apply(app.loaded(), letter, signatories, skip_invalid)
    suffix = "-confidential" if confidential else ""
    path, fmt = _output(out, fmt, f"{letter}-{to}-{lang}{suffix}")
    signers = None
    if signatories:  # the signatory machinery only for a petition
        from ..petition.signatories import signatories_for_render

        signers, sig_problems = signatories_for_render(Path(signatories), app.loaded().library, skip_invalid)
        _print_problems(sig_problems)
    request = LetterRequest(letter, to, lang, _parse_vars(pairs, vars_file), letter_date, signers, strict, paper, confidential, wet_ink)
    if pdf_variant and fmt != "pdf":
        raise InputError(f"--pdf-variant {pdf_variant} needs a PDF", "--pdf-variant", hint="leave --format html out, or the variant")
    result = build_letter(app.loaded(), request, fmt, pdf_variant)
    warnings = [p for p in result.warnings if p.severity == "warning"]
    if strict and warnings:
        raise CheckFailed([Problem("error", p.where, p.message, p.hint) for p in warnings])
    _print_problems(warnings)
    if fmt == "html":
        from ..render.webpage import web_page

        data: bytes | str = web_page(app.workspace_obj(), result.html)
    else:
        data = result.pdf or b""
    _write(path, data, "--out" if out else "")
    if date is None:  # the machine's day, which is not everyone's: say so
        click.echo(f"date: {letter_date.isoformat()} (today, local time; use --date YYYY-MM-DD)")
    click.echo(f"wrote {path} ({len(result.notes)} footnotes)")


FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


def _output(out: str | None, fmt: str | None, stem: str) -> tuple[Path, str]:
    """(the file to write, its format) for `render --out OUT --format FMT`: the format follows
    OUT's extension when FMT is not given; OUT ending in / (or an existing folder) gets the
    default file name STEM.FMT."""
    if out is None or out.endswith(("/", "\\")) or Path(out).is_dir():
        fmt = fmt or "pdf"
        return Path(out or "out") / f"{stem}.{fmt}", fmt
    path = Path(out)
    implied = FORMATS.get(path.suffix.lower())
    if fmt is None and implied is None:
        raise InputError(
            f"cannot tell the format of {out!r} from its extension",
            "--out",
            hint="name the file .pdf or .html, or give --format pdf|html",
        )
    if fmt is not None and implied is not None and implied != fmt:
        raise InputError(f"the extension of {out!r} does not match --format {fmt}", "--out", hint=f"name it .{fmt}, or leave --format out")
    return path, fmt or implied or "pdf"


def _lang_tag(value: str) -> str:
    """A language as people type it (``EN``, ``zh-CN``, ``fr_FR``) as the tag advocate uses
    (``en``, ``zh``, ``fr``): the whole tag when it is one, else its language subtag."""
    from ..core.models import LANGS

    tag = value.strip().replace("_", "-").lower()
    return tag if tag in LANGS else tag.split("-")[0]


def _check_options_apply(loaded: Any, letter: str, signatories: str | None, skip_invalid: bool) -> None:
    """An option the letter does not take is a usage error, never silently ignored."""
    from ..compose.build import get_letter
    from ..core.errors import UsageError

    spec = get_letter(loaded, letter)
    if signatories and spec.signatories == "none":
        raise UsageError(
            f"letter {letter!r} takes no signatories",
            "--signatories",
            hint="remove --signatories; sign-on letters and petitions take a list (`advocate letters`)",
        )
    if skip_invalid and not signatories:
        raise UsageError(
            "--skip-invalid applies only to a signatory list", "--skip-invalid", hint="give --signatories FILE.csv, or remove it"
        )


def _write(path: Path, data: bytes | str, option: str) -> None:
    """Write an output atomically; a folder that cannot be written is one line naming `path`."""
    from ..core.output import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        where = Where(option, 0, str(path)) if option else Where(path)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", where, hint="choose a folder you can write to") from None


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r} is not a date", "--date", hint="write it as YYYY-MM-DD") from None


@main.command("examples")
@click.option("--out", "out", type=click.Path(file_okay=False), default="out", show_default=True, help="Output folder.")
@click.option("--date", "date", help="Letter date YYYY-MM-DD (default: today).")
@click.option("--letter", "only", multiple=True, help="Only this letter (repeatable).")
@click.pass_obj
@boundary
def examples_cmd(app: App, out: str, date: str | None, only: tuple[str, ...]) -> None:
    """Render every example each letter declares (what `make demo` shows)."""
    from ..compose.build import build_letter, example_requests

    loaded = app.loaded()
    for stem, request in example_requests(loaded, _parse_date(date)):
        if only and request.letter not in only:
            continue
        result = build_letter(loaded, request)
        _print_problems([p for p in result.warnings if p.severity == "warning"])
        path = Path(out) / f"{stem}.pdf"
        _write(path, result.pdf or b"", "--out")
        click.echo(f"wrote {path} ({len(result.notes)} footnotes)")


@main.group("citations")
def citations_grp() -> None:
    """The citation library: treaties, documents, incidents."""


@citations_grp.command("list")
@json_option
@click.pass_obj
@boundary
def citations_list(app: App, as_json: bool) -> None:
    """List every citation key."""
    from ..tools.views import citations_data, citations_table

    if as_json:
        _echo_json(citations_data(app.loaded()))
    else:
        click.echo(citations_table(app.loaded()))


@citations_grp.command("show")
@click.argument("key")
@click.pass_obj
@boundary
def citations_show(app: App, key: str) -> None:
    """Show one treaty, document or incident, and how it is cited."""
    from ..tools.views import citation_detail

    click.echo(citation_detail(app.loaded(), key))


@main.group("addressees")
def addressees_grp() -> None:
    """The addressee directory."""


@addressees_grp.command("list")
@click.pass_obj
@boundary
def addressees_list(app: App) -> None:
    """List the addressees."""
    from ..tools.views import addressees_table

    click.echo(addressees_table(app.loaded()))


@addressees_grp.command("show")
@click.argument("key")
@click.pass_obj
@boundary
def addressees_show(app: App, key: str) -> None:
    """Show one addressee: address block, languages, channels, letters."""
    from ..tools.views import addressee_detail

    click.echo(addressee_detail(app.loaded(), key))


@main.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@json_option
@click.pass_obj
@boundary
def check_cmd(app: App, strict: bool, as_json: bool) -> None:
    """Validate the whole workspace and list every problem with file and line: every letter's
    every example is composed (to HTML, not PDF) in every language it declares."""
    from ..checks.checks import check_workspace
    from ..tools.views import problems_data

    problems = check_workspace(app.workspace_obj(), strict)
    errors = sum(p.severity == "error" for p in problems)
    if as_json:
        _echo_json(problems_data(problems))
    else:
        _print_problems(problems)
        click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)")
    if errors:
        sys.exit(CheckFailed.exit_code)


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.pass_obj
@boundary
def init_cmd(app: App, directory: str) -> None:
    """Create a workspace with advocate.toml and one example letter."""
    from ..tools.scaffold import init_workspace

    for path in init_workspace(Path(directory)):
        click.echo(f"created {path}")
    click.echo(f"next: advocate --workspace {directory} render example --to cn-mfa")


@main.group("new")
def new_grp() -> None:
    """Start a letter, incident, document or addressee: a file with every key, to fill in."""


@new_grp.command("letter")
@click.argument("name")
@click.pass_obj
@boundary
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
    @boundary
    def command(app: App, key: str) -> None:
        from ..tools.scaffold import new_entry

        path = new_entry(app.workspace_obj(), kind, key, dt.date.today())
        click.echo(f"created {path}")
        click.echo("next: fill in the FILL IN parts, then `advocate check`")

    command.__doc__ = f"Create the {kind} KEY in the workspace, every key commented."
    return command


for _kind in ("incident", "document", "addressee"):
    new_grp.command(_kind)(_new_entry(_kind))


@main.group("i18n")
def i18n_grp() -> None:
    """The translators' workflow: extract, update, init, compile, stats, check."""


@i18n_grp.command("extract")
@click.pass_obj
@boundary
def i18n_extract(app: App) -> None:
    """Refresh the template catalogue locales/messages.pot from the letters."""
    from ..translate.catalog import do_extract

    path, count = do_extract(app.workspace_obj())
    click.echo(f"wrote {path} ({count} messages)")


@i18n_grp.command("update")
@click.pass_obj
@boundary
def i18n_update(app: App) -> None:
    """Extract, then merge into every language (changed messages become fuzzy)."""
    from ..translate.catalog import do_update

    written = do_update(app.workspace_obj())
    for path, new, fuzzy in written:
        click.echo(f"updated {path}: {new} new, {fuzzy} fuzzy")
    if not written:
        click.echo("catalogues unchanged (nothing new in the letters)")


@i18n_grp.command("init")
@click.argument("lang")
@click.pass_obj
@boundary
def i18n_init(app: App, lang: str) -> None:
    """Start the catalogue of a language LANG: any locale CLDR knows (de, it, pt_BR, uk, he, hi, ...)."""
    from ..translate.catalog import do_init

    click.echo(f"created {do_init(app.workspace_obj(), lang)}")


@i18n_grp.command("compile")
@click.pass_obj
@boundary
def i18n_compile(app: App) -> None:
    """Check every catalogue and write the .mo files; fails on any checker error."""
    from ..translate.catalog import do_compile

    for path in do_compile(app.workspace_obj()):
        click.echo(f"wrote {path}")


@i18n_grp.command("stats")
@json_option
@click.pass_obj
@boundary
def i18n_stats(app: App, as_json: bool) -> None:
    """Translated, fuzzy and untranslated messages per language."""
    from ..tools.views import stats_data
    from ..translate.catalog import stats

    rows = stats(app.workspace_obj())
    if as_json:
        _echo_json(stats_data(rows))
        return
    click.echo(f"{'LANG':<6}{'TRANSLATED':>12}{'FUZZY':>8}{'UNTRANSLATED':>14}{'PERCENT':>9}")
    for r in rows:
        click.echo(f"{r.lang:<6}{r.translated:>12}{r.fuzzy:>8}{r.untranslated:>14}{r.percent:>8.1f}%")


@i18n_grp.command("check")
@click.pass_obj
@boundary
def i18n_check(app: App) -> None:
    """Check every catalogue: placeholders, markup, plural forms, fuzzy, obsolete, spaces."""
    from ..translate.catalog import check_all

    problems = check_all(app.workspace_obj())
    _print_problems(problems)
    errors = [p for p in problems if p.severity == "error"]
    click.echo(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)")
    if errors:
        sys.exit(CheckFailed.exit_code)


@i18n_grp.command("todo")
@click.argument("letter")
@click.option("--lang", required=True, callback=lambda _c, _p, v: _lang_tag(v), help="The language you translate into.")
@click.option("--to", "to", help="Also the texts of this addressee (title, name, salutation, city).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout, for scripts.")
@click.pass_obj
@boundary
def i18n_todo(app: App, letter: str, lang: str, to: str | None, as_json: bool) -> None:
    """The messages LETTER prints that the LANG catalogue lacks or has fuzzy, with their catalogue
    lines. Exit 0 when there are none, 4 when there are some."""
    from ..translate.catalog import todo

    found = todo(app.loaded(), letter, lang, to)
    if as_json:
        click.echo(_todo_json(letter, lang, found))
    else:
        for item in found:
            context = f" [{item.needed.context}]" if item.needed.context else ""
            click.echo(f"{item.where}: {item.state}{context}: {' '.join(item.needed.msgid.split())!r} (used at {item.needed.source})")
        absent = sum(t.state == "absent" for t in found)
        hint = f"; {absent} not in the catalogue yet: run `advocate i18n update`" if absent else ""
        click.echo(f"{len(found)} message(s) of {letter!r} to translate in {lang!r}{hint}")
    if found:
        sys.exit(CheckFailed.exit_code)


def _todo_json(letter: str, lang: str, found: list[Any]) -> str:
    import json

    from ..core.errors import _relative

    items = [
        {
            "state": t.state,
            "context": t.needed.context,
            "msgid": t.needed.msgid,
            "catalogue": _relative(t.where.path),
            "line": t.where.line or None,
            "used_at": {"file": _relative(t.needed.source.path), "line": t.needed.source.line},
        }
        for t in found
    ]
    return json.dumps({"letter": letter, "lang": lang, "count": len(items), "messages": items}, ensure_ascii=False, indent=2)


@i18n_grp.command("glossary")
@click.option(
    "--lang",
    "langs",
    multiple=True,
    callback=lambda _c, _p, v: [_lang_tag(x) for x in v],
    help="A target language (repeatable; default: every language with a catalogue).",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.csv (Weblate's glossary) or FILE.tbx (TBX-Basic).")
@click.pass_obj
@boundary
def i18n_glossary(app: App, langs: list[str], out: str) -> None:
    """Export a glossary from the library: official treaty titles with their flags, state names,
    UN mandate titles, citation and legal terms."""
    from ..translate.glossary import export

    data, count = export(app.loaded(), langs, Path(out))
    _write(Path(out), data, "--out")
    click.echo(f"wrote {out} ({count} terms)")


from .delivery import register; register(main)  # noqa: E402, E702, I001 - delivery commands
from .signing import register as register_signing; register_signing(main)  # noqa: E402, E702, I001 - sign, verify
from .signatories import register as register_signatories; register_signatories(main)  # noqa: E402, E702, I001 - signatory lists
from .batch import register as register_batch; register_batch(main)  # noqa: E402, E702, I001 - batch (campaigns)


@main.command("preview")
@click.argument("letter")
@click.option("--to", "to", required=True, help="Addressee key (`advocate addressees list`).")
@letter_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on (127.0.0.1 or ::1).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.pass_obj
@boundary
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

    request = PreviewRequest(app.workspace, letter, to, lang, _parse_vars(pairs, vars_file), _parse_date(date), paper)
    app.workspace_obj()  # a missing workspace stops here, before the server starts
    sock = listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"preview of {letter} to {to} in {lang!r}: http://{shown}:{sock.getsockname()[1]}/  (Ctrl-C to stop)", err=False)
    sys.stdout.flush()
    serve(request, sock)

if __name__ == "__main__":  # pragma: no cover
    main()
