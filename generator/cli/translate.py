"""The `i18n` commands: the translators' workflow (extract, update, init, compile, stats, check,
todo, glossary).

In: argv. Out: catalogues written, or reports on stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..core.errors import CheckFailed
from .options import echo_json, json_option, lang_tag, print_problems, write_output
from .root import App, root


@root.group("i18n")
def i18n_grp() -> None:
    """The translators' workflow: extract, update, init, compile, stats, check."""


@i18n_grp.command("extract")
@click.pass_obj
def i18n_extract(app: App) -> None:
    """Refresh the template catalogue locales/messages.pot from the letters."""
    from ..translate.workflow import do_extract

    path, count = do_extract(app.workspace_obj())
    click.echo(f"wrote {path} ({count} messages)")


@i18n_grp.command("update")
@click.pass_obj
def i18n_update(app: App) -> None:
    """Extract, then merge into every language (changed messages become fuzzy)."""
    from ..translate.workflow import do_update

    written = do_update(app.workspace_obj())
    for path, new, fuzzy in written:
        click.echo(f"updated {path}: {new} new, {fuzzy} fuzzy")
    if not written:
        click.echo("catalogues unchanged (nothing new in the letters)")


@i18n_grp.command("init")
@click.argument("lang")
@click.pass_obj
def i18n_init(app: App, lang: str) -> None:
    """Start the catalogue of a language LANG: any locale CLDR knows (de, it, pt_BR, uk, he, hi, ...)."""
    from ..translate.workflow import do_init

    click.echo(f"created {do_init(app.workspace_obj(), lang)}")


@i18n_grp.command("compile")
@click.pass_obj
def i18n_compile(app: App) -> None:
    """Check every catalogue and write the .mo files; fails on any checker error."""
    from ..translate.workflow import do_compile

    for path in do_compile(app.workspace_obj()):
        click.echo(f"wrote {path}")


@i18n_grp.command("stats")
@json_option
@click.pass_obj
def i18n_stats(app: App, as_json: bool) -> None:
    """Translated, fuzzy and untranslated messages per language."""
    from ..tools.views import stats_data
    from ..translate.workflow import stats

    rows = stats(app.workspace_obj())
    if as_json:
        echo_json(stats_data(rows))
        return
    click.echo(f"{'LANG':<6}{'TRANSLATED':>12}{'FUZZY':>8}{'UNTRANSLATED':>14}{'PERCENT':>9}")
    for r in rows:
        click.echo(f"{r.lang:<6}{r.translated:>12}{r.fuzzy:>8}{r.untranslated:>14}{r.percent:>8.1f}%")


@i18n_grp.command("check")
@click.pass_obj
def i18n_check(app: App) -> None:
    """Check every catalogue: placeholders, markup, plural forms, fuzzy, obsolete, spaces."""
    from ..translate.lint import check_all

    problems = check_all(app.workspace_obj())
    print_problems(problems)
    errors = [p for p in problems if p.severity == "error"]
    click.echo(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)")
    if errors:
        sys.exit(CheckFailed.exit_code)


@i18n_grp.command("todo")
@click.argument("letter")
@click.option("--lang", required=True, callback=lambda c, _p, v: lang_tag(c, v), help="The language you translate into.")
@click.option("--to", "to", help="Also the texts of this addressee (title, name, salutation, city).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout, for scripts.")
@click.pass_obj
def i18n_todo(app: App, letter: str, lang: str, to: str | None, as_json: bool) -> None:
    """The messages LETTER prints that the LANG catalogue lacks or has fuzzy, with their catalogue
    lines. Exit 0 when there are none, 4 when there are some."""
    from ..tools.todo import todo

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

    from ..core.errors import shown_path

    items = [
        {
            "state": t.state,
            "context": t.needed.context,
            "msgid": t.needed.msgid,
            "catalogue": shown_path(t.where.path),
            "line": t.where.line or None,
            "used_at": {"file": shown_path(t.needed.source.path), "line": t.needed.source.line},
        }
        for t in found
    ]
    return json.dumps({"letter": letter, "lang": lang, "count": len(items), "messages": items}, ensure_ascii=False, indent=2)


@i18n_grp.command("glossary")
@click.option(
    "--lang",
    "langs",
    multiple=True,
    callback=lambda c, _p, v: [lang_tag(c, x) for x in v],
    help="A target language (repeatable; default: every language with a catalogue).",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.csv (Weblate's glossary) or FILE.tbx (TBX-Basic).")
@click.pass_obj
def i18n_glossary(app: App, langs: list[str], out: str) -> None:
    """Export a glossary from the library: official treaty titles with their flags, state names,
    UN mandate titles, citation and legal terms."""
    from ..translate.glossary import export

    data, count = export(app.loaded(), langs, Path(out))
    write_output(Path(out), data, "--out")
    click.echo(f"wrote {out} ({count} terms)")
