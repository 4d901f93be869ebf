"""The letter commands: `letters` and `show` (what the workspace holds), `render` (one letter to
one addressee, as PDF or HTML) and `examples` (every example a letter declares).

In: argv. Out: the letter written atomically, its warnings on stderr.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..core.errors import CheckFailed, InputError, Problem
from ..render.pdf import PDF_VARIANTS
from .options import echo_json, json_option, letter_options, parse_date, parse_vars, print_problems, write_output
from .root import App, root

if TYPE_CHECKING:
    from ..core.letter import RenderedLetter, Signatory
    from ..load.loaded import Loaded


@root.command("letters")
@json_option
@click.pass_obj
def letters_cmd(app: App, as_json: bool) -> None:
    """List the letter templates."""
    from ..tools.views import letters_data, letters_table

    if as_json:
        echo_json(letters_data(app.loaded()))
    else:
        click.echo(letters_table(app.loaded()))


@root.command("show")
@click.argument("letter")
@click.pass_obj
def show_cmd(app: App, letter: str) -> None:
    """Show a letter's purpose, addressee kinds, variables and citations."""
    from ..tools.views import letter_detail

    click.echo(letter_detail(app.loaded(), letter))


@root.command("render")
@click.argument("letter")
@click.option("--to", "to", required=True, help="Addressee key (`advocate addressees list`).")
@letter_options
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), help="Output format (default: --out's extension, else pdf).")
@click.option("--signatories", type=click.Path(dir_okay=False), help="CSV of signatories (sign-on letters, petitions).")
@click.option("--skip-invalid", is_flag=True, help="Render without the signatory rows that are rejected, and list them.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--confidential", is_flag=True, help="Include named victims (confidential version; default is the public one).")
@click.option("--wet-ink", is_flag=True, help="Signature lines with printed names, to sign by hand (no signature fields).")
@click.option("--out", "out", type=click.Path(), help="Output file, or folder ending in / (default: out/LETTER-ADDRESSEE-LANG.pdf).")
@click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    help="An archival PDF/A variant (the PDF is tagged in every case).",
)
@click.option("--embed-fonts", is_flag=True, help="HTML: carry the fonts used, subset, in the file (default: the reader's system fonts).")
@click.pass_obj
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
    embed_fonts: bool,
) -> None:
    """Render LETTER to an addressee as PDF (or HTML)."""
    from ..compose.build import build_letter
    from ..core.letter import LetterRequest

    letter_date = parse_date(date) or dt.date.today()
    _check_options_apply(app.loaded(), letter, signatories, skip_invalid)
    suffix = "-confidential" if confidential else ""
    path, fmt = _output(out, fmt, f"{letter}-{to}-{lang}{suffix}")
    signers = _signers(app, signatories, skip_invalid) if signatories else None
    request = LetterRequest(
        letter=letter,
        addressee=to,
        lang=lang,
        variables=parse_vars(pairs, vars_file),
        date=letter_date,
        signatories=signers,
        strict=strict,
        paper=paper,
        confidential=confidential,
        wet_ink=wet_ink,
    )
    _check_format_options(fmt, pdf_variant, embed_fonts)
    result = build_letter(app.loaded(), request, fmt, pdf_variant)
    warnings = [p for p in result.warnings if p.severity == "warning"]
    if strict and warnings:
        raise CheckFailed([Problem("error", p.where, p.message, p.hint) for p in warnings])
    print_problems(warnings)
    write_output(path, _output_data(app, result, fmt, embed_fonts), "--out" if out else "")
    if date is None:  # the machine's day, which is not everyone's: say so
        click.echo(f"date: {letter_date.isoformat()} (today, local time; use --date YYYY-MM-DD)")
    click.echo(f"wrote {path} ({len(result.notes)} footnotes)")


def _signers(app: App, signatories: str, skip_invalid: bool) -> list[Signatory]:
    """The signatories of --signatories FILE (the rejected rows listed); only a petition or a
    sign-on letter imports the signatory machinery."""
    from ..petition.signatories import signatories_for_render

    signers, problems = signatories_for_render(Path(signatories), app.loaded().library, skip_invalid)
    print_problems(problems)
    return signers


def _check_format_options(fmt: str, pdf_variant: str | None, embed_fonts: bool) -> None:
    """Refuse the options that do not apply to the output format `fmt`."""
    if pdf_variant and fmt != "pdf":
        raise InputError(f"--pdf-variant {pdf_variant} needs a PDF", "--pdf-variant", hint="leave --format html out, or the variant")
    if embed_fonts and fmt != "html":
        raise InputError("applies to HTML only (a PDF always embeds its fonts)", "--embed-fonts", hint="add --format html")


def _output_data(app: App, result: RenderedLetter, fmt: str, embed_fonts: bool = False) -> bytes | str:
    """What `render` writes: the PDF, or the HTML as a web page (footnotes as endnotes; the fonts
    used carried in the file, subset, with `embed_fonts`)."""
    if fmt == "html":
        from ..render.webpage import embedded_fonts, web_page

        fonts = embedded_fonts(app.workspace_obj(), result.html, result.spec.path) if embed_fonts else ""
        return web_page(app.workspace_obj(), result.html, fonts)
    return result.pdf or b""


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


def _check_options_apply(loaded: Loaded, letter: str, signatories: str | None, skip_invalid: bool) -> None:
    """An option the letter does not take is a usage error, never silently ignored."""
    from ..core.errors import UsageError
    from ..load.loaded import get_letter

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


@root.command("examples")
@click.option("--out", "out", type=click.Path(file_okay=False), default="out", show_default=True, help="Output folder.")
@click.option("--date", "date", help="Letter date YYYY-MM-DD (default: today).")
@click.option("--letter", "only", multiple=True, help="Only this letter (repeatable).")
@click.pass_obj
def examples_cmd(app: App, out: str, date: str | None, only: tuple[str, ...]) -> None:
    """Render every example each letter declares (what `make demo` shows)."""
    from ..compose.build import build_letter, example_requests

    loaded = app.loaded()
    for stem, request in example_requests(loaded, parse_date(date)):
        if only and request.letter not in only:
            continue
        result = build_letter(loaded, request)
        print_problems([p for p in result.warnings if p.severity == "warning"])
        path = Path(out) / f"{stem}.pdf"
        write_output(path, result.pdf or b"", "--out")
        click.echo(f"wrote {path} ({len(result.notes)} footnotes)")
