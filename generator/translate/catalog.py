"""Gettext catalogues read and written: the .po format checked as it is read.

In: a ``.po`` file (``locales/<lang>/LC_MESSAGES/messages.po``). Out: a Babel `Catalog` (or an
`InputError` naming the file and line of a syntax, header, plural-forms or percent-sign fault);
a catalogue written back only when its content changed. Confidential library texts (victims'
details, `CONFIDENTIAL_CONTEXTS`) never enter a catalogue.
"""

from __future__ import annotations

import gettext
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from babel import UnknownLocaleError

from ..core.errors import InputError, Where
from ..core.files import read_text
from ..core.output import write_atomic

if TYPE_CHECKING:  # Babel's .po reader and writer are imported when a catalogue is read or written:
    from babel.messages.catalog import Catalog, Message  # a render whose catalogue is in the cache folder does neither

COMMENT_TAGS = ("Translators:",)
TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>|&[a-zA-Z#0-9]+;")
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sd]")
NOTE_NAME_RE = re.compile(r"^(note|fact|quote)\d*$")
# -- extraction ------------------------------------------------------------------------------

# Library texts written in English only are translated through the catalogue too, so that
# translators keep everything a letter prints in one file. (Official texts that exist per language,
# such as treaty titles, are stored per language in the YAML and never translated.)
# Library texts that only a confidential version prints (named victims): never extracted, so that
# no catalogue carries them to translators; a render prints the YAML's own version in the letter's
# language, else the English.
CONFIDENTIAL_CONTEXTS = frozenset({"victim details"})
# Plain English strings of the library that a footnote prints (short forms, authors).
def _po_bytes(catalog: Catalog) -> bytes:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=False, include_previous=True)
    return buf.getvalue()


def write_catalog(path: Path, catalog: Catalog) -> bool:
    """Write `catalog` to `path`, unless the file holds it already but for its creation date (no
    header churn: an unchanged catalogue keeps its bytes). True when the file was written."""
    if path.is_file():
        try:
            old_date = read_catalog(path).creation_date
        except InputError:
            old_date = None
        if old_date is not None:
            new_date, catalog.creation_date = catalog.creation_date, old_date
            same = _po_bytes(catalog) == path.read_bytes()
            catalog.creation_date = new_date
            if same:
                return False
    write_atomic(path, _po_bytes(catalog))
    return True


_PO_STRING = r'"(?:[^"\\]|\\.)*"'
_PO_LINE = re.compile(rf"^(?:#.*|(?:#~ )?(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+{_PO_STRING}|(?:#~ )?{_PO_STRING}|)$")


def check_po_syntax(path: Path, text: str) -> None:
    """Babel's reader accepts some broken lines (an unterminated string, say) that msgfmt rejects:
    check every line first, so a broken catalogue stops with its line."""
    for number, line in enumerate(text.splitlines(), 1):
        if not _PO_LINE.match(line.strip()):
            raise InputError(
                f"broken .po file: cannot parse {line.strip()[:40]!r}",
                Where(path, number),
                hint="every line is a comment, a keyword with a quoted string, or a quoted continuation (msgfmt --check shows the same)",
            )


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """A workspace's .po or .pot file, parsed. It must resolve inside the workspace holding its
    ``locales/`` folder and be UTF-8; its header (charset, Plural-Forms) and every translation's
    '%' signs are checked so that nothing breaks later at render. Raises InputError with the line."""
    from babel.messages.pofile import PoFileError, read_po

    if not os.path.lexists(path):
        raise InputError("catalogue not found", Where(path), hint="run `advocate i18n extract` and `advocate i18n init LANG`")
    text = read_text(path, next((folder.parent for folder in path.parents if folder.name == "locales"), None))
    check_po_syntax(path, text)
    _check_header(path, text)
    try:
        catalog = read_po(io.StringIO(text), locale=locale, abort_invalid=True)
    except (PoFileError, ValueError) as exc:
        line = getattr(exc, "lineno", 0)
        raise InputError(
            f"broken .po file: {exc}".split(" on ")[0], Where(path, line), hint="fix the entry on that line (msgfmt --check shows the same)"
        ) from None
    _check_percent_signs(path, catalog)
    return catalog


UTF8_HINT = "convert it (msgconv --to-code=UTF-8 FILE) and declare charset=UTF-8 in its Content-Type"


def _header_fields(text: str) -> Iterator[tuple[int, str, str]]:
    """(line, lowercased name, value) of each field of a catalogue's header: the msgstr of its
    first entry, ``msgid ""``, whose fields end with an escaped newline and may span lines."""
    entry, pending, start = 0, "", 0  # entry: 0 before msgid "", 1 in its msgid, 2 in its msgstr
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("msgid"):
            if entry or line != 'msgid ""':
                return
            entry = 1
        if entry == 1 and line.startswith("msgstr"):
            entry = 2
        if entry < 2 or line.startswith("#") or not line.endswith('"'):
            continue
        part = line[line.index('"') + 1 : -1]
        start = start or (number if part else 0)
        pending += part
        while "\\n" in pending:
            done, pending = pending.split("\\n", 1)
            name, _colon, value = done.partition(":")
            yield start, name.strip().lower(), value.strip()
            start = number if pending else 0


def _check_header(path: Path, text: str) -> None:
    """The header must declare UTF-8 (the only charset read here) and Plural-Forms that gettext
    can evaluate (a broken one would crash every render in the language)."""
    for number, name, value in _header_fields(text):
        charset = re.search(r"charset\s*=\s*([^\s;]+)", value, re.IGNORECASE)
        if name == "content-type" and charset and charset.group(1).lower() not in ("utf-8", "utf8", "charset"):
            raise InputError(f"the catalogue declares charset={charset.group(1)}: only UTF-8 is read", Where(path, number), hint=UTF8_HINT)
        if name == "plural-forms":
            _check_plural_forms(path, number, value)


def _check_plural_forms(path: Path, line: int, value: str) -> None:
    """``nplurals=N; plural=EXPR;``: N a positive number, EXPR a C expression of n that gettext
    compiles and that gives an index below N for every n."""
    params = {key.strip().lower(): expr.strip() for key, _eq, expr in (part.partition("=") for part in value.split(";")) if key.strip()}
    try:
        count = int(params.get("nplurals", ""))
        plural = gettext.c2py(params.get("plural", ""))
        wrong = next((n for n in range(1000) if not 0 <= plural(n) < count), None)
        problem = "" if wrong is None else f"plural={params['plural']} gives form {plural(wrong)} for n={wrong}, but nplurals={count}"
    except (ValueError, ArithmeticError, RecursionError) as exc:
        problem = str(exc) or type(exc).__name__
    if problem:
        raise InputError(
            f"malformed Plural-Forms header: {problem}",
            Where(path, line),
            hint="copy the header `advocate i18n init LANG` writes for the language (e.g. nplurals=2; plural=(n > 1);)",
        )


class _AnyValue(dict):  # type: ignore[type-arg]
    """Any placeholder's value, for trying a translation as a %-format string."""

    def __missing__(self, key: str) -> int:
        return 0


_PERCENT = re.compile(r"%%|%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%")


def _percent_error(text: str) -> str:
    """Where `text` fails as a %-format string with named values ("" when it does not): the
    stray '%' quoted in its surroundings, else Python's reason."""
    try:
        text % _AnyValue()
    except (ValueError, TypeError) as exc:
        stray = next((m.start() for m in _PERCENT.finditer(text) if m.group() == "%"), None)
        return str(exc) if stray is None else repr(text[max(0, stray - 12) : stray + 12])
    return ""


def _check_percent_signs(path: Path, catalog: Catalog) -> None:
    """A template's {% trans %} text is always %-formatted at render (Jinja's newstyle gettext),
    so a '%' in its translation that is not ``%%`` or a placeholder would crash the render.
    Library texts (from YAML files) are never formatted, and may hold a bare '%'."""
    for message in catalog:
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        from_yaml = bool(message.locations) and all(file.endswith(".yaml") for file, _line in message.locations)
        if not message.id or from_yaml or any(_percent_error(text) for text in ids):
            continue  # the header, a library text, or a source that is not a format string either
        error = next((_percent_error(text) for text in strings if text and _percent_error(text)), "")
        if error:
            raise InputError(
                f"{short(message)}: a '%' in the translation is not a placeholder: {error}",
                Where(path, message.lineno or 0),
                hint="write %% for a percent sign; placeholders are written %(name)s, as in the source",
            )


# -- checks ------------------------------------------------------------------------------------


def complete(message: Message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


def babel_locale(lang: str) -> str:
    from ..core.i18n import locale

    try:
        return str(locale(lang))
    except (UnknownLocaleError, ValueError):
        return lang


# -- runtime -----------------------------------------------------------------------------------


# -- the messages a letter prints (`advocate i18n todo` in tools/todo.py) ------------------------


def short(message: Message) -> str:
    text = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    text = " ".join(str(text).split())
    return repr(text[:48] + ("..." if len(text) > 48 else ""))


VARIANT_RE = re.compile(r"^(?:(?P<base>.+), )?(?P<variant>to [A-Z]{2}|feminine)$")
"""The context of a message variant: "to KR", "feminine", or a base context followed by one."""


def variant_context(context: str | None, variant: str) -> str:
    """The msgctxt of a message's `variant` ("to KR", "feminine"): "to KR" for a message without a
    context, "salutation, feminine" for one with the context "salutation"."""
    return f"{context}, {variant}" if context else variant
