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

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.checkers import num_plurals, python_format
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po
from babel.support import Translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from .errors import InputError, Problem, Where
from .output import write_atomic
from .workspace import Workspace

PACKAGE = Path(__file__).resolve().parent

DOMAIN = "messages"
SOURCE_LANG = "en"
COMMENT_TAGS = ("Translators:",)
TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>|&[a-zA-Z#0-9]+;")
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sd]")
NOTE_NAME_RE = re.compile(r"^(note|fact|quote)\d*$")
PROJECT = "advocate"


def locales_dir(root: Path) -> Path:
    return root / "locales"


def po_path(root: Path, lang: str) -> Path:
    return locales_dir(root) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages(ws: Workspace, own: bool = False) -> list[str]:
    """Languages with a catalogue: in any root (for rendering) or, with `own`, in the workspace's
    own folder (what its translators maintain). A folder not named by a language tag is left out
    (`check_locale_folders` reports it)."""
    from .i18n import is_language

    langs = {SOURCE_LANG}
    for root in ws.roots[:1] if own else ws.roots:
        base = locales_dir(root)
        if base.is_dir():
            langs |= {d.name for d in base.iterdir() if is_language(d.name) and (d / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()}
    return sorted(langs)


def letter_languages(ws: Workspace) -> list[str]:
    """What ``languages: all`` in a letter.yaml means: English and every language with a catalogue
    in the workspace or the bundle, the bundled languages first (in their order), then the others."""
    from .models import BUNDLED_LANGS

    langs = available_languages(ws)
    return [lang for lang in BUNDLED_LANGS if lang in langs] + sorted(set(langs) - set(BUNDLED_LANGS))


def check_locale_folders(ws: Workspace) -> Iterator[Problem]:
    """A folder whose name is not a language tag we use is an error, never a silent fallback."""
    from .models import LANGS

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
    from .yamlio import LDict, load_yaml

    for section in ("treaties", "documents", "incidents"):
        fields = LIBRARY_FIELDS.get(section, {})
        for path in sorted((root / "citations" / section).glob("*.yaml")):
            data = load_yaml(path)
            if not isinstance(data, LDict):
                continue
            rel = str(path.relative_to(root))
            for name, context in fields.items():
                text = _english(data.get(name))
                if text:
                    catalog.add(text, None, [(rel, data.lines[name])], auto_comments=[f"{context} of {data.get('key')}"], context=context)
            for name, (context, comment) in LIBRARY_STRINGS.get(section, {}).items():
                value = data.get(name)
                if isinstance(value, str):
                    catalog.add(value, None, [(rel, data.lines[name])], auto_comments=[comment], context=context)
            for i, place in enumerate(data.get("places") or []):
                if isinstance(place, str):
                    catalog.add(place, None, [(rel, data["places"].lines[i])], auto_comments=["a place name"], context="place name")
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
    try:
        check_po_syntax(path, path.read_text(encoding="utf-8"))
        with path.open("rb") as handle:
            return read_po(handle, locale=locale, abort_invalid=True)
    except FileNotFoundError:
        raise InputError("catalogue not found", Where(path), hint="run `advocate i18n extract` and `advocate i18n init LANG`") from None
    except PoFileError as exc:
        line = getattr(exc, "lineno", 0)
        raise InputError(
            f"broken .po file: {exc}".split(" on ")[0], Where(path, line), hint="fix the entry on that line (msgfmt --check shows the same)"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start})", Where(path), hint="save the .po file as UTF-8") from None


def do_extract(ws: Workspace) -> tuple[Path, int]:
    ws.writable_root()
    catalog = extract(ws)
    path = template_path(ws)
    write_catalog(path, catalog)
    return path, len(catalog)


def do_init(ws: Workspace, lang: str) -> Path:
    from .models import LANGS

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
    catalog = Catalog(locale=_babel_locale(lang), project=PROJECT, fuzzy=False)
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
    """Merge the template into every language; changed messages become fuzzy, messages gone
    from the letters are dropped; a catalogue with nothing to change is left as it is. Returns
    (path, new, fuzzy) per catalogue written."""
    root = ws.writable_root()
    tpath, _count = do_extract(ws)
    results = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang == SOURCE_LANG or not path.is_file():
            continue
        catalog = read_catalog(path, _babel_locale(lang))
        before = {m.id for m in catalog if m.id}
        catalog.update(with_bundle(ws, lang, read_catalog(tpath)), update_header_comment=False)
        catalog.obsolete.clear()  # messages no longer in any letter: their translations go too
        new = sum(1 for m in catalog if m.id and m.id not in before)
        fuzzy = sum(1 for m in catalog if m.id and m.fuzzy)
        if write_catalog(path, catalog):
            results.append((path, new, fuzzy))
    return results


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
    if not message.id or not message.string:
        return
    ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    for checker in (num_plurals, python_format):
        try:
            checker(catalog, message)
        except Exception as exc:  # babel raises TranslationError
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
        missing = [n for n in sorted(source_names - names) if NOTE_NAME_RE.match(n)]
        if len(ids) == 1 and missing:
            yield f"placeholder(s) {', '.join(missing)} missing: their footnotes would be lost"
        order = [n for n in PLACEHOLDER_RE.findall(text) if NOTE_NAME_RE.match(n)]
        expected = [n for n in PLACEHOLDER_RE.findall(ids[0]) if NOTE_NAME_RE.match(n)]
        if len(ids) == 1 and sorted(order) == sorted(expected) and order != expected:
            yield f"footnote placeholders must keep their order ({', '.join(expected)}): footnotes are numbered in that order"
        if text[:1].isspace() != ids[0][:1].isspace() or text[-1:].isspace() != ids[0][-1:].isspace():
            yield "leading or trailing spaces differ from the source"


def check_catalog(path: Path, lang: str) -> list[Problem]:
    catalog = read_catalog(path, _babel_locale(lang))
    problems = []
    for message in catalog:
        if not message.id:
            continue
        where = Where(path, message.lineno or 0)
        for error in check_message(catalog, message):
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
        catalog = read_catalog(path, _babel_locale(lang))
        messages = [m for m in catalog if m.id]
        fuzzy = sum(1 for m in messages if m.fuzzy)
        translated = sum(1 for m in messages if not m.fuzzy and _complete(m))
        rows.append(LangStats(lang, len(messages), translated, fuzzy))
    return rows


def _complete(message: Message) -> bool:
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
        from .errors import CheckFailed

        raise CheckFailed(problems)
    written = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang != SOURCE_LANG and path.is_file():
            catalog = read_catalog(path, _babel_locale(lang))
            buf = io.BytesIO()
            write_mo(buf, catalog, use_fuzzy=False)
            write_atomic(path.with_suffix(".mo"), buf.getvalue())
            written.append(path.with_suffix(".mo"))
    return written


def _babel_locale(lang: str) -> str:
    from .i18n import locale

    try:
        return str(locale(lang))
    except (UnknownLocaleError, ValueError):
        return lang


# -- runtime -----------------------------------------------------------------------------------


@dataclass
class Recorder:
    """gettext callables for one render; notes each message that fell back to English."""

    lang: str
    translations: Translations | None
    missing: list[str] = field(default_factory=list)
    # the preview's: (context, msgid) of each translated block, in order; each block is then
    # wrapped in <span class="advocate-msg" data-msg="INDEX"> so a click finds its message
    marks: list[tuple[str | None, str]] | None = None

    def _lookup(self, context: str | None, msgid: str) -> str | None:
        if self.translations is None:
            return None
        catalog = self.translations._catalog  # type: ignore[attr-defined]
        key = f"{context}\x04{msgid}" if context else msgid
        return catalog.get(key) or None

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
        if self.translations is not None:
            catalog = self.translations._catalog  # type: ignore[attr-defined]
            key = f"{context}\x04{singular}" if context else singular
            index = self.translations.plural(n)  # type: ignore[attr-defined]
            found = catalog.get((key, index))
            if found:
                return str(found)
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
    return Recorder(lang, _translations(ws.roots, lang), marks=marks)


def forget_translations() -> None:
    """Drop the compiled catalogues, so that the next render reads the .po files again (the preview,
    after a catalogue was saved)."""
    _translations.cache_clear()


@lru_cache(maxsize=32)
def _translations(roots: tuple[Path, ...], lang: str) -> Translations:
    """The language's catalogue (user workspace over bundled), checked, compiled in memory."""
    merged: Translations | None = None
    for root in reversed(roots):
        path = po_path(root, lang)
        if not path.is_file():
            continue
        catalog = read_catalog(path, _babel_locale(lang))
        for message in catalog:
            if message.id and not message.fuzzy:
                errors = list(check_message(catalog, message))
                if errors:
                    raise InputError(
                        f"{_short(message)}: {errors[0]}",
                        Where(path, message.lineno or 0),
                        hint="fix the translation, then `advocate i18n check`",
                    )
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        current = Translations(buf, domain=DOMAIN)
        merged = current if merged is None else merged.merge(current)
    if merged is None:
        raise InputError(f"no translations for {lang!r}", "--lang", hint=f"start them with `advocate i18n init {lang}`")
    return merged


def locale_display(lang: str) -> str:
    try:
        return Locale.parse(_babel_locale(lang)).get_display_name("en") or lang
    except (UnknownLocaleError, ValueError):
        return lang
