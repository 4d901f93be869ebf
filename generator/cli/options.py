"""What several commands share: options declared once, their values parsed, results printed.

In: option values as click gives them. Out: a language tag, variables, a date; problems and JSON
documents printed; an output file written atomically (a folder that cannot be written is one
`InputError` naming the option).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..core.errors import InputError, Problem, Where

F = TypeVar("F", bound=Callable[..., Any])
JSON_MODE = "advocate.json"  # ctx.meta key: the running command was given --json


def print_problems(problems: list[Problem]) -> None:
    """Each problem on stderr: ``FILE:LINE: severity: message`` and its hint."""
    for p in problems:
        click.echo(p.line(), err=True)
        if p.hint:
            click.echo(f"  hint: {p.hint}", err=True)


def echo_json(document: dict[str, Any]) -> None:
    """One JSON document on stdout."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _remember_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[JSON_MODE] = True  # (meta is shared with the root group, whose boundary reads it)
    return value


def json_option(func: F) -> F:
    """`--json`: one JSON document on stdout instead of the text (docs/checks.md, "JSON output");
    a failure is printed as a JSON document too."""
    help_text = "Print one JSON document on stdout (for scripts and CI)."
    return click.option("--json", "as_json", is_flag=True, callback=_remember_json, help=help_text)(func)


def lang_tag(ctx: click.Context, value: str) -> str:
    """A language as people type it (``EN``, ``zh-CN``, ``fr_FR``, ``zh-hant``) as the tag of one
    of the workspace's languages (``en``, ``zh``, ``fr``, ``zh_Hant``): `i18n.choose_language`
    over the languages with a catalogue."""
    from ..core.i18n import choose_language  # (lazy: Babel's locale data is not needed for `advocate --help`)
    from ..core.locales import available_languages

    return choose_language(value, available_languages(ctx.obj.workspace_obj()))


def parse_vars(pairs: tuple[str, ...], vars_file: str | None) -> dict[str, Any]:
    """The letter variables of ``--vars FILE`` and ``--var KEY=VALUE`` (a repeated key gives a list)."""
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


def parse_date(text: str | None) -> dt.date | None:
    """``--date YYYY-MM-DD`` as a date (None when not given)."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r} is not a date", "--date", hint="write it as YYYY-MM-DD") from None


LETTER_OPTIONS = (
    click.option(
        "--lang", default="en", show_default=True, callback=lambda c, _p, v: lang_tag(c, v), help="Language (en, zh-CN, FR, zh_Hant...)."
    ),
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


def write_output(path: Path, data: bytes | str, option: str) -> None:
    """Write an output atomically; a folder that cannot be written is one line naming `path`."""
    from ..core.output import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        where = Where(option, 0, str(path)) if option else Where(path)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", where, hint="choose a folder you can write to") from None
