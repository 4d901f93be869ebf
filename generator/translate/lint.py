"""The catalogue checks: what `advocate i18n check` and a render's loading of a catalogue report.

In: a catalogue (its path and language) or a workspace's catalogues. Out: `Problem`s with file
and line: placeholders, markup a translation adds, plural forms against CLDR's rule, fuzzy and
obsolete entries, stray spaces; locale folders not named by a language tag.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from gettext import c2py
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message, TranslationError
from babel.messages.plurals import get_plural

from ..core.errors import InputError, Problem, Where
from ..core.files import read_text
from ..core.locales import DOMAIN, SOURCE_LANG, available_languages, locales_dir, po_path
from ..core.models import LANGS
from ..core.workspace import Workspace
from .catalog import NOTE_NAME_RE, PLACEHOLDER_RE, TAG_RE, babel_locale, read_catalog, short


def check_locale_folders(ws: Workspace) -> Iterator[Problem]:
    """A folder whose name is not a language tag we use is an error, never a silent fallback."""
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


def check_templates(root: Path) -> None:
    """Every template that extraction reads (``letters/**/*.j2`` of workspace `root`, links to
    folders not followed) must be a UTF-8 file inside the workspace; raises InputError if not."""
    for folder, _dirs, files in os.walk(root / "letters"):
        for name in sorted(files):
            if name.endswith(".j2"):
                read_text(Path(folder) / name, root)


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


PLURAL_SAMPLE = (*range(1001), 10**6, 2 * 10**6, 10**7, 10**9)


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
            problems.append(Problem("error", where, f"{short(message)}: {error}"))
        if message.fuzzy and message.string:
            problems.append(Problem("warning", where, f"{short(message)}: fuzzy (needs review; not used)"))
    for message in catalog.obsolete.values():
        problems.append(
            Problem(
                "warning", Where(path, message.lineno or 0), f"{short(message)}: obsolete entry", "delete it or run `advocate i18n update`"
            )
        )
    return problems


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


def locale_display(lang: str) -> str:
    try:
        return Locale.parse(babel_locale(lang)).get_display_name("en") or lang
    except (UnknownLocaleError, ValueError):
        return lang
