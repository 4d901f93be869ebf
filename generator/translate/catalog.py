"""The translators' workflow and the translations a render uses.

In: the workspace's templates (``letters/**/*.j2``), the package's footnote terms and
``locales/<lang>/LC_MESSAGES/messages.po``. Out: the template catalogue ``locales/messages.pot``,
updated and new ``.po`` files, compiled ``.mo`` files, statistics, and `Problem`s from the
catalogue checks (placeholders, markup, plural forms, fuzzy and obsolete entries, spaces).
For a render: a `Recorder` holding the gettext callables of one language, which notes every
message that fell back to English. A translation is checked to carry exactly its source's tags and
no other ``<``, and is rendered as text all the same (`as_html`). Confidential library texts
(victims' details) are never extracted.
"""

from __future__ import annotations

import copy
import gettext
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from gettext import c2py
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message, TranslationError
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po, write_po
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from ..core.errors import InputError, Problem, Where, errors_in
from ..core.files import Stamp, read_text, stamp
from ..core.letter import LetterRequest
from ..core.locales import DOMAIN, SOURCE_LANG, available_languages, locales_dir, po_path
from ..core.output import write_atomic
from ..core.workspace import Workspace

PACKAGE = Path(__file__).resolve().parents[1]  # the generator package

COMMENT_TAGS = ("Translators:",)
TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>|&[a-zA-Z#0-9]+;")
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sd]")
NOTE_NAME_RE = re.compile(r"^(note|fact|quote)\d*$")
PROJECT = "advocate"


def check_locale_folders(ws: Workspace) -> Iterator[Problem]:
    """A folder whose name is not a language tag we use is an error, never a silent fallback."""
    from ..core.models import LANGS

    for root in ws.roots:
        base = locales_dir(root)
        if not base.is_dir():
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            if folder.name not in LANGS:
                hint = f"rename it to one of: {', '.join(LANGS)}"
                close = [lang for lang in LANGS if folder.name.lower().startswith(lang)]
                if close:
                    hint = f"rename it to {close[0]!r} (language tags here are {', '.join(LANGS)})"
                yield Problem("error", Where(folder), f"locale folder {folder.name!r} is not a known language tag", hint)
            elif not (folder / "LC_MESSAGES" / f"{DOMAIN}.po").is_file():
                yield Problem("error", Where(folder), f"locale folder {folder.name!r} has no LC_MESSAGES/{DOMAIN}.po")


# -- extraction ------------------------------------------------------------------------------

KEYWORDS = {**DEFAULT_KEYWORDS, "_t": None, "_pt": ((1, "c"), 2)}


def extract(ws: Workspace) -> Catalog:
    """The template catalogue of the workspace's own letters (the bundled ones for the repository),
    plus the package's footnote terms."""
    root = ws.roots[0]
    catalog = Catalog(project=PROJECT, version="1", msgid_bugs_address="", copyright_holder="", fuzzy=False)
    sources = [
        (root / "letters", [("**.j2", "jinja2")], {"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}),
        (PACKAGE, [("**.py", "python")], {}),
    ]
    for folder, method_map, options in sources:
        if not folder.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder),
            method_map,
            options,
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
            directory_filter=lambda path: not Path(path).name.startswith("."),  # letters/_base is extracted too
        ):
            rel = (folder / filename).relative_to(root if (folder / filename).is_relative_to(root) else PACKAGE.parent)
            catalog.add(message, None, [(str(rel), lineno)], auto_comments=comments, context=context)
    extract_library(root, catalog)
    return catalog


# Library texts written in English only are translated through the catalogue too, so that
# translators keep everything a letter prints in one file. (Official texts that exist per language,
# such as treaty titles, are stored per language in the YAML and never translated.)
LIBRARY_FIELDS = {
    "incidents": {"summary": "incident summary", "title": "incident title", "time": "incident time"},
    "documents": {"description": "document description"},
}
# Library texts that only a confidential version prints (named victims): never extracted, so that
# no catalogue carries them to translators; a render prints the YAML's own version in the letter's
# language, else the English.
CONFIDENTIAL_CONTEXTS = frozenset({"victim details"})
# Plain English strings of the library that a footnote prints (short forms, authors).
LIBRARY_STRINGS = {
    "treaties": {"short_title": ("treaty short title", "the treaty's short name in later footnotes, e.g. CAT (n 3)")},
    "documents": {
        "short": ("document short form", "the document's short name in later footnotes"),
        "author": ("author", "author or issuing body of a cited document; keep names of persons and media as they are"),
    },
}
ADDRESSEE_FIELDS = {"title": "addressee title", "name": "addressee name", "salutation": "salutation"}


def _english(node: object) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("en"), str):
        return str(node["en"])
    return None


def extract_library(root: Path, catalog: Catalog) -> None:
    from ..core.yamlio import LDict, load_yaml

    for section in ("treaties", "documents", "incidents"):
        for path in sorted((root / "citations" / section).glob("*.yaml")):
            data = load_yaml(path)
            if not isinstance(data, LDict):
                continue
            rel = str(path.relative_to(root))
            for context, message, line, comment in item_messages(section, data):
                catalog.add(message, None, [(rel, line)], auto_comments=[comment], context=context)
    path = root / "letters" / "addressees.yaml"
    if path.is_file():
        data = load_yaml(path)
        rel = str(path.relative_to(root))
        for key, entry in (data or {}).items():
            if not isinstance(entry, LDict):
                continue
            for name, context in ADDRESSEE_FIELDS.items():
                text = _english(entry.get(name))
                if text:
                    catalog.add(text, None, [(rel, entry.lines[name])], auto_comments=[f"{context} of addressee {key}"], context=context)
            address = entry.get("address")
            if isinstance(address, LDict) and isinstance(address.get("locality"), str):
                line = address.lines["locality"]
                catalog.add(address["locality"], None, [(rel, line)], auto_comments=[f"city of addressee {key}"], context="place name")


def template_path(ws: Workspace) -> Path:
    return locales_dir(ws.roots[0]) / f"{DOMAIN}.pot"


def _po_bytes(catalog: Catalog) -> bytes:
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
                f"{_short(message)}: a '%' in the translation is not a placeholder: {error}",
                Where(path, message.lineno or 0),
                hint="write %% for a percent sign; placeholders are written %(name)s, as in the source",
            )


def check_templates(root: Path) -> None:
    """Every template that extraction reads (``letters/**/*.j2`` of workspace `root`, links to
    folders not followed) must be a UTF-8 file inside the workspace; raises InputError if not."""
    for folder, _dirs, files in os.walk(root / "letters"):
        for name in sorted(files):
            if name.endswith(".j2"):
                read_text(Path(folder) / name, root)


def do_extract(ws: Workspace) -> tuple[Path, int]:
    check_templates(ws.writable_root())
    catalog = extract(ws)
    path = template_path(ws)
    write_catalog(path, catalog)
    return path, len(catalog)


def do_init(ws: Workspace, lang: str) -> Path:
    from ..core.models import LANGS

    root = ws.writable_root()
    if lang not in LANGS:
        raise InputError(
            f"unknown language {lang!r}: not a locale CLDR knows",
            "LANG",
            hint="give a language tag such as de, it, pt_BR, uk, he, hi or zh_Hant (lower-case language, then _Script or _REGION)",
        )
    path = po_path(root, lang)
    if path.exists():
        raise InputError("catalogue exists already", Where(path), hint="use `advocate i18n update` to merge new messages")
    template = read_catalog(template_path(ws)) if template_path(ws).is_file() else extract(ws)
    catalog = Catalog(locale=babel_locale(lang), project=PROJECT, fuzzy=False)
    catalog.update(with_bundle(ws, lang, template))
    write_catalog(path, catalog)
    return path


def with_bundle(ws: Workspace, lang: str, template: Catalog) -> Catalog:
    """The messages a workspace's catalogue for `lang` holds: its own `template` (its letters, the
    package's footnote terms, its library) and, for a language the bundle has no catalogue of, also
    the bundle's messages (its layout, letters, library and addressees), so that a language a
    translator brings covers everything a letter prints. `template` is extended in place."""
    bundled = [root for root in ws.roots[1:] if (locales_dir(root) / f"{DOMAIN}.pot").is_file()]
    if not bundled or any(po_path(root, lang).is_file() for root in ws.roots[1:]):
        return template
    for message in read_catalog(locales_dir(bundled[-1]) / f"{DOMAIN}.pot"):
        if message.id and template.get(message.id, message.context) is None:
            template.add(message.id, None, message.locations, auto_comments=message.auto_comments, context=message.context)
    return template


def do_update(ws: Workspace) -> list[tuple[Path, int, int]]:
    """Extract the template and merge it into every language; changed messages become fuzzy,
    messages gone from the letters are dropped. All or nothing: every catalogue is read and merged
    before any file (the template included) is written, so one broken catalogue changes nothing;
    a catalogue with nothing to change keeps its bytes. Returns (path, new, fuzzy) per catalogue
    written."""
    root = ws.writable_root()
    check_templates(root)
    template = extract(ws)
    merged: list[tuple[Path, Catalog, int, int]] = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang == SOURCE_LANG or not path.is_file():
            continue
        catalog = read_catalog(path, babel_locale(lang))
        before = {m.id for m in catalog if m.id}
        catalog.update(with_bundle(ws, lang, copy.deepcopy(template)), update_header_comment=False)
        catalog.obsolete.clear()  # messages no longer in any letter: their translations go too
        new = sum(1 for m in catalog if m.id and m.id not in before)
        fuzzy = sum(1 for m in catalog if m.id and m.fuzzy)
        merged.append((path, catalog, new, fuzzy))
    write_catalog(template_path(ws), template)
    return [(path, new, fuzzy) for path, catalog, new, fuzzy in merged if write_catalog(path, catalog)]


# -- checks ------------------------------------------------------------------------------------


def _tags(text: str) -> list[str]:
    return sorted(TAG_RE.findall(text))


def _stray_markup(text: str, source: str) -> str:
    """The first '<' of a translation that is not one of its source's tags (as the source writes
    them, each as often), with what follows it; '' when there is none. ``<!--`` and an unclosed
    ``<a ...`` are stray: either would change the letter beyond the translated sentence."""
    allowed = Counter(TAG_RE.findall(source))
    for match in re.finditer(rf"{TAG_RE.pattern}|<", text):
        if allowed[match.group()] > 0:
            allowed[match.group()] -= 1
        elif match.group().startswith("<"):
            return text[match.start() : match.start() + 40]
    return ""


def check_message(catalog: Catalog, message: Message) -> Iterator[str]:
    """Every problem of one translated message, as text: Babel's checkers (`Message.check`: the
    number of plural forms, python-format placeholders) and ours (`CHECKERS`), then the markup,
    footnote order and spacing rules."""
    if not message.id or not any(_as_tuple(message.string)):
        return
    ids, strings = _as_tuple(message.id), _as_tuple(message.string)
    yield from (str(error) for error in message.check(catalog))
    for checker in CHECKERS:
        try:
            checker(catalog, message)
        except TranslationError as exc:
            yield str(exc)
    source_tags = _tags(ids[0])
    source_names = set(PLACEHOLDER_RE.findall(ids[0])) | set(PLACEHOLDER_RE.findall(ids[-1]))
    for text in strings:
        if not text:
            continue
        stray = _stray_markup(text, ids[0])
        if _tags(text) != source_tags:
            yield f"markup differs from the source: {' '.join(_tags(text)) or 'none'} instead of {' '.join(source_tags) or 'none'}"
        elif stray:
            yield f"markup the source does not have: {stray!r} (a translation may use only the tags of its source, and no '<' of its own)"
        names = set(PLACEHOLDER_RE.findall(text))
        if names - source_names:
            yield f"unknown placeholder(s) {', '.join(sorted(names - source_names))}"
        order = [n for n in PLACEHOLDER_RE.findall(text) if NOTE_NAME_RE.match(n)]
        expected = [n for n in PLACEHOLDER_RE.findall(ids[0]) if NOTE_NAME_RE.match(n)]
        if len(ids) == 1 and sorted(order) == sorted(expected) and order != expected:
            yield f"footnote placeholders must keep their order ({', '.join(expected)}): footnotes are numbered in that order"
        if text[:1].isspace() != ids[0][:1].isspace() or text[-1:].isspace() != ids[0][-1:].isspace():
            yield "leading or trailing spaces differ from the source"


def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _names(text: str) -> set[str]:
    """The named python-format placeholders of `text` (``%(date)s`` -> ``date``)."""
    return {name for name, _spec, _type in PYTHON_FORMAT.findall(text) if name}


# Numbers a plural rule is tried on: every count below a thousand, and a few millions (where CLDR
# gives French, Spanish and others a form of their own).
PLURAL_SAMPLE = (*range(1001), 10**6, 2 * 10**6, 10**7, 10**9)
# As GNU msgfmt: a plural form used for this many numbers or more must print the number (and
# every placeholder of msgid_plural); a form for one or a few numbers ("one organisation") may not.
OFTEN = 5


def _form_numbers(catalog: Catalog) -> list[list[int]]:
    """For each plural form of the catalogue (its header's rule), the sample numbers that take it."""
    try:
        rule = c2py(catalog.plural_expr)
    except (ValueError, SyntaxError):
        return []  # reported once, for the header (`check_plural_header`)
    forms: list[list[int]] = [[] for _ in range(catalog.num_plurals)]
    for n in PLURAL_SAMPLE:
        index = rule(n)
        if 0 <= index < len(forms):
            forms[index].append(n)
    return forms


def placeholders_kept(catalog: Catalog | None, message: Message) -> None:
    """A Babel-style checker: every placeholder of the msgid is in the msgstr (msgfmt's
    ``--check-format``, also without the python-format flag); in a plural form used for many numbers,
    every placeholder of msgid_plural. Raises `TranslationError` naming the missing ones."""
    ids, strings = _as_tuple(message.id), _as_tuple(message.string)
    if not message.pluralizable:
        required = {0: _names(ids[0])}
    else:
        forms = _form_numbers(catalog) if catalog is not None else []
        required = {i: _names(ids[-1]) for i, numbers in enumerate(forms) if len(numbers) >= OFTEN}
    for index, names in required.items():
        text = strings[index] if index < len(strings) else ""
        missing = sorted(names - _names(text)) if text else []
        if missing:
            form = f"msgstr[{index}] (used for n = {_numbers(forms[index])})" if message.pluralizable else "the translation"
            notes = all(NOTE_NAME_RE.match(n) for n in missing)
            effect = "their footnotes would be lost" if notes else "the letter would not print their value"
            raise TranslationError(f"placeholder(s) {', '.join(missing)} missing from {form}: {effect}")


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:4]) + (", ..." if len(numbers) > 4 else "")


def plural_forms_filled(catalog: Catalog | None, message: Message) -> None:
    """A Babel-style checker: a translated plural message has every one of the catalogue's forms
    (Babel pads a missing ``msgstr[N]`` with an empty string, which would print the English)."""
    if not message.pluralizable or catalog is None:
        return
    strings = _as_tuple(message.string)
    empty = [f"msgstr[{i}]" for i in range(catalog.num_plurals) if i >= len(strings) or not strings[i]]
    if empty and any(strings):
        raise TranslationError(
            f"plural form(s) {', '.join(empty)} missing or empty (the header says nplurals={catalog.num_plurals}): "
            "the English would be printed for those numbers"
        )


CHECKERS = (placeholders_kept, plural_forms_filled)


def check_plural_header(path: Path, catalog: Catalog, lang: str, text: str) -> Iterator[Problem]:
    """The header's Plural-Forms against itself and against CLDR's rule for `lang` (Babel's
    `get_plural`): present when a message has plural forms, a rule that parses, gives only forms
    below nplurals and uses every one, and groups the numbers below 1000 as CLDR does."""
    lines = text.splitlines()
    line = next((i for i, row in enumerate(lines, 1) if row.startswith('"Plural-Forms:')), 0)
    where = Where(path, line or next((i for i, row in enumerate(lines, 1) if row.startswith("msgid")), 0))
    hint = f"write the header `Plural-Forms: {_cldr_forms(lang)}`"
    if not line:
        if any(m.pluralizable for m in catalog if m.id):
            yield Problem("error", where, "the header has no Plural-Forms, and some messages have plural forms", hint)
        return
    try:
        rule = c2py(catalog.plural_expr)
    except (ValueError, SyntaxError):
        yield Problem("error", where, f"Plural-Forms: cannot read the rule {catalog.plural_expr!r}", hint)
        return
    used = {rule(n) for n in PLURAL_SAMPLE}
    if max(used) >= catalog.num_plurals:
        n = next(n for n in PLURAL_SAMPLE if rule(n) >= catalog.num_plurals)
        message = f"Plural-Forms: the rule gives form {rule(n)} for n = {n}, but nplurals = {catalog.num_plurals}"
        yield Problem("error", where, message, hint)
    elif len(used) < catalog.num_plurals:
        yield Problem("error", where, f"Plural-Forms: nplurals = {catalog.num_plurals}, but the rule uses only {len(used)} form(s)", hint)
    clash = _cldr_clash(rule, lang)
    if clash:
        yield Problem("error", where, f"Plural-Forms: {clash}", hint)


def _cldr_forms(lang: str) -> str:
    try:
        return str(get_plural(babel_locale(lang)))
    except (UnknownLocaleError, ValueError):
        return "nplurals=2; plural=(n != 1);"


def _cldr_clash(rule: Any, lang: str) -> str:
    """'' when `rule` groups the numbers 0-1000 as CLDR's rule for `lang` does (the numbers letters
    print; CLDR's extra form for millions in French or Spanish may be merged), else an example."""
    try:
        cldr = c2py(get_plural(babel_locale(lang)).plural_expr)
    except (UnknownLocaleError, ValueError):
        return ""
    here_first: dict[int, int] = {}
    cldr_first: dict[int, int] = {}
    for n in range(1001):
        m = here_first.setdefault(rule(n), n)
        if cldr(m) != cldr(n):
            return f"the header gives n = {m} and n = {n} the same form, CLDR's rule for {locale_display(lang)} does not"
        m = cldr_first.setdefault(cldr(n), n)
        if rule(m) != rule(n):
            return f"CLDR's rule for {locale_display(lang)} gives n = {m} and n = {n} the same form, the header does not"
    return ""


def check_catalog(path: Path, lang: str) -> list[Problem]:
    catalog = read_catalog(path, babel_locale(lang))
    problems = list(check_plural_header(path, catalog, lang, path.read_text(encoding="utf-8")))
    for message in catalog:
        if not message.id:
            continue
        where = Where(path, message.lineno or 0)
        for error in dict.fromkeys(check_message(catalog, message)):
            problems.append(Problem("error", where, f"{_short(message)}: {error}"))
        if message.fuzzy and message.string:
            problems.append(Problem("warning", where, f"{_short(message)}: fuzzy (needs review; not used)"))
    for message in catalog.obsolete.values():
        problems.append(
            Problem(
                "warning", Where(path, message.lineno or 0), f"{_short(message)}: obsolete entry", "delete it or run `advocate i18n update`"
            )
        )
    return problems


def _short(message: Message) -> str:
    text = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    text = " ".join(str(text).split())
    return repr(text[:48] + ("..." if len(text) > 48 else ""))


def check_all(ws: Workspace) -> list[Problem]:
    problems = list(check_locale_folders(ws))
    for lang in available_languages(ws, own=True):
        path = po_path(ws.roots[0], lang)
        if lang != SOURCE_LANG and path.is_file():
            try:
                problems += check_catalog(path, lang)
            except InputError as exc:
                problems.append(Problem("error", exc.where or Where(path), exc.msg, exc.hint or ""))
    return problems


@dataclass
class LangStats:
    lang: str
    total: int
    translated: int
    fuzzy: int

    @property
    def untranslated(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def stats(ws: Workspace) -> list[LangStats]:
    rows = []
    for lang in available_languages(ws, own=True):
        if lang == SOURCE_LANG:
            continue
        path = po_path(ws.roots[0], lang)
        catalog = read_catalog(path, babel_locale(lang))
        messages = [m for m in catalog if m.id]
        fuzzy = sum(1 for m in messages if m.fuzzy)
        translated = sum(1 for m in messages if not m.fuzzy and complete(m))
        rows.append(LangStats(lang, len(messages), translated, fuzzy))
    return rows


def complete(message: Message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


def do_compile(ws: Workspace) -> list[Path]:
    root = ws.writable_root()
    problems = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang != SOURCE_LANG and path.is_file():
            problems += [p for p in check_catalog(path, lang) if p.severity == "error"]
    if problems:
        from ..core.errors import CheckFailed

        raise CheckFailed(problems)
    written = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang != SOURCE_LANG and path.is_file():
            catalog = read_catalog(path, babel_locale(lang))
            buf = io.BytesIO()
            write_mo(buf, catalog, use_fuzzy=False)
            write_atomic(path.with_suffix(".mo"), buf.getvalue())
            written.append(path.with_suffix(".mo"))
    return written


def babel_locale(lang: str) -> str:
    from ..core.i18n import locale

    try:
        return str(locale(lang))
    except (UnknownLocaleError, ValueError):
        return lang


# -- runtime -----------------------------------------------------------------------------------


@dataclass
class Recorder:
    """gettext callables for one render; notes each message that fell back to English."""

    lang: str
    translations: Compiled | None
    missing: list[str] = field(default_factory=list)
    # the preview's: (context, msgid) of each translated block, in order; each block is then
    # wrapped in <span class="advocate-msg" data-msg="INDEX"> so a click finds its message
    marks: list[tuple[str | None, str]] | None = None

    def _lookup(self, context: str | None, msgid: str) -> str | None:
        return None if self.translations is None else self.translations.get(context, msgid)

    def _miss(self, msgid: str) -> None:
        if self.lang != SOURCE_LANG and msgid not in self.missing:
            self.missing.append(msgid)

    def install(self, env: Any) -> None:
        """Make a Jinja environment's {% trans %} blocks use this language (newstyle gettext).
        In autoescaped templates a translation is text: escaped, with only its source's own tags
        kept (`as_html`), so that a catalogue can never add markup; placeholders are filled with
        escaped values by Jinja. One language per render: processes render one letter at a time."""

        def html(ctx: EvalContext, translated: str, context: str | None, *sources: str) -> str:
            if not ctx.autoescape:
                return translated
            if self.marks is None:
                return as_html(translated, *sources)
            self.marks.append((context, sources[0]))
            return Markup('<span class="advocate-msg" data-msg="%d">%s</span>') % (len(self.marks) - 1, as_html(translated, *sources))

        @pass_eval_context
        def gettext(ctx: EvalContext, message: str) -> str:
            return html(ctx, self.gettext(message), None, message)

        @pass_eval_context
        def ngettext(ctx: EvalContext, singular: str, plural: str, n: int) -> str:
            return html(ctx, self.ngettext(singular, plural, n), None, singular, plural)

        @pass_eval_context
        def pgettext(ctx: EvalContext, context: str, message: str) -> str:
            return html(ctx, self.pgettext(context, message), context, message)

        @pass_eval_context
        def npgettext(ctx: EvalContext, context: str, singular: str, plural: str, n: int) -> str:
            return html(ctx, self.npgettext(context, singular, plural, n), context, singular, plural)

        env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)

    def text(self, texts: dict[str, str] | None, context: str) -> str:
        """A library text in this language: its own per-language version if the YAML has one,
        else the catalogue's translation of the English (recorded as missing when absent); a
        confidential text (`CONFIDENTIAL_CONTEXTS`) is never looked up: its English is used."""
        if not texts:
            return ""
        if self.lang in texts:
            return texts[self.lang]
        if context in CONFIDENTIAL_CONTEXTS:
            return texts["en"]
        english = texts["en"]
        translate = self.pgettext  # (not a literal call: the English text is extracted from the YAML)
        return translate(context, english) if self.lang != SOURCE_LANG else english

    def gettext(self, message: str) -> str:
        found = self._lookup(None, message)
        if found is None:
            self._miss(message)
        return found or message

    def pgettext(self, context: str, message: str) -> str:
        found = self._lookup(context, message)
        if found is None:
            self._miss(message)
        return found or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.npgettext(None, singular, plural, n)

    def npgettext(self, context: str | None, singular: str, plural: str, n: int) -> str:
        found = None if self.translations is None else self.translations.get_plural(context, singular, n)
        if found:
            return found
        self._miss(singular)
        return singular if n == 1 else plural


def as_html(translated: str, *sources: str) -> Markup:
    """A translation as HTML: its text escaped, except the tags and entities its `sources` (the
    msgid and plural, written in a template) have, each kept as often as a source has it."""
    allowed: Counter[str] = Counter()
    for source in sources:
        allowed |= Counter(TAG_RE.findall(source))
    out, pos = [], 0
    for match in TAG_RE.finditer(translated):
        token = match.group()
        out.append(escape(translated[pos : match.start()]))
        out.append(Markup(token) if allowed[token] > 0 else escape(token))
        allowed[token] -= 1
        pos = match.end()
    out.append(escape(translated[pos:]))
    return Markup("").join(out)


def recorder(ws: Workspace, lang: str, marks: list[tuple[str | None, str]] | None = None) -> Recorder:
    """The gettext callables of `lang` for one render; with `marks` (the preview), each translated
    block is marked in the HTML and its message recorded there."""
    if lang == SOURCE_LANG:
        return Recorder(lang, None, marks=marks)
    return Recorder(lang, _translations(ws.roots, lang, stamp(*(po_path(root, lang) for root in ws.roots))), marks=marks)


class Compiled:
    """A language's translations as a render looks them up, made from the Babel catalogues read
    (as a compiled .mo holds them: fuzzy and untranslated messages left out, an empty plural form
    given its English). In: catalogues, the bundle's first; a later one's messages win. Out:
    `get` and `get_plural`, None for a message no catalogue translates."""

    def __init__(self, catalogs: list[Catalog]):
        self.messages: dict[str, str | tuple[str, ...]] = {}
        self.plural: Callable[[int], int] = c2py(catalogs[0].plural_expr) if catalogs else (lambda n: int(n != 1))
        for catalog in catalogs:
            for m in catalog:
                if not m.id or not m.string or m.fuzzy:
                    continue
                ids = (m.id,) if isinstance(m.id, str) else tuple(m.id)
                key = f"{m.context}\x04{ids[0]}" if m.context else ids[0]
                if isinstance(m.string, str):
                    self.messages[key] = m.string
                else:  # plural forms
                    self.messages[key] = tuple(s or ids[min(i, 1)] for i, s in enumerate(m.string))

    def get(self, context: str | None, msgid: str) -> str | None:
        found = self.messages.get(f"{context}\x04{msgid}" if context else msgid)
        return found if isinstance(found, str) and found else None

    def get_plural(self, context: str | None, singular: str, n: int) -> str | None:
        found = self.messages.get(f"{context}\x04{singular}" if context else singular)
        if not isinstance(found, tuple):
            return None
        index = self.plural(n)
        return found[index] if 0 <= index < len(found) and found[index] else None


@lru_cache(maxsize=32)
def _translations(roots: tuple[Path, ...], lang: str, _files: Stamp) -> Compiled:
    """The language's catalogue (user workspace over bundled), checked; cached per state of its
    files (`_files`), so that a saved catalogue is read again."""
    catalogs = []
    for root in reversed(roots):
        path = po_path(root, lang)
        if not path.is_file():
            continue
        errors = errors_in(check_catalog(path, lang))
        if errors:
            raise InputError(errors[0].message, errors[0].where, hint="fix the translation, then `advocate i18n check`")
        catalogs.append(read_catalog(path, babel_locale(lang)))
    if not catalogs:
        raise InputError(f"no translations for {lang!r}", "--lang", hint=f"start them with `advocate i18n init {lang}`")
    return Compiled(catalogs)


def locale_display(lang: str) -> str:
    try:
        return Locale.parse(babel_locale(lang)).get_display_name("en") or lang
    except (UnknownLocaleError, ValueError):
        return lang


def untranslated(ws: Workspace, request: LetterRequest, missing: list[str]) -> Problem:
    """The warning (error under --strict) for messages that fell back to English."""
    listed = "; ".join(repr(" ".join(m.split())[:60]) for m in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return Problem(
        "error" if request.strict else "warning",
        Where(po_path(ws.roots[0], request.lang)),
        f"{len(missing)} message(s) untranslated in {request.lang!r}, English used: {listed}{more}",
        "translate them (`advocate i18n stats`), or render with --strict to refuse",
    )


# -- the messages a letter prints (`advocate i18n todo` in tools/todo.py) ------------------------


@dataclass(frozen=True)
class Needed:
    """A message a letter prints: (context, msgid) as the catalogues key it, and where it comes from."""

    context: str | None
    msgid: str
    source: Where


def package_messages() -> Iterator[Needed]:
    """The package's footnote terms (Ibid, (n 3), art 3(1), document kinds ...): every letter with
    a footnote prints some of them."""
    for filename, line, message, _comments, context in extract_from_dir(str(PACKAGE), [("**.py", "python")], keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, (list, tuple)) else message
        if msgid:
            yield Needed(context, msgid, Where(PACKAGE / filename, line))


def item_messages(section: str, data: Any, lang: str | None = None) -> Iterator[tuple[str, str, int, str]]:
    """(context, English text, line, translators' comment) of each library text of one treaty,
    document or incident (`section` names which; `data` is its YAML) that the catalogue
    translates; with `lang`, the texts the YAML already holds in that language are left out (a
    render prints those)."""
    for name, context in LIBRARY_FIELDS.get(section, {}).items():
        texts = data.get(name)
        text = _english(texts)
        if text and not (lang and lang in texts):
            yield context, text, data.lines[name], f"{context} of {data.get('key')}"
    for name, (context, comment) in LIBRARY_STRINGS.get(section, {}).items():
        if isinstance(data.get(name), str):
            yield context, data[name], data.lines[name], comment
    for number, article in (data.get("articles") or {}).items() if section == "treaties" else ():
        texts = article.get("paraphrase") if isinstance(article, dict) and "paraphrase" in article else None
        text = _english(texts)
        if text and not (lang and isinstance(texts, dict) and lang in texts):
            comment = (
                f"the rule of {data.get('key')} art {number}, stated where no verified text in your language exists:"
                " a paraphrase, never quoted as the treaty's text"
            )
            yield "treaty paraphrase", text, article.lines["paraphrase"], comment
    for i, place in enumerate(data.get("places") or []):
        if isinstance(place, str):
            yield "place name", place, data["places"].lines[i], "a place name"


